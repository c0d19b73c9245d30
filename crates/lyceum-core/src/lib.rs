//! lyceum-core: see DESIGN.md
