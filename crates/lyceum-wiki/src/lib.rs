//! lyceum-wiki: see DESIGN.md
