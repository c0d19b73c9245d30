//! lyceum-store: see DESIGN.md
