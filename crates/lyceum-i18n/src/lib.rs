//! lyceum-i18n: see DESIGN.md
