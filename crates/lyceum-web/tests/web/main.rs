//! HTTP tests of the whole site: every request goes through the real router, middleware
//! and a fresh database, as a browser or API client would send it.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

mod support;

mod api;
mod auth;
mod grades;
mod i18n;
mod imported;
mod media;
mod oauth;
mod olx;
mod pages;
mod performance;
mod permissions;
mod problems;
mod security;
