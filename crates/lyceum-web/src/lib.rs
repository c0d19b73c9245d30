//! lyceum-web: see DESIGN.md
