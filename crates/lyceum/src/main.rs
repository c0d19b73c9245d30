//! The `lyceum` command: serve, demo, user management.
fn main() {}
