//! HTTP tests of the whole site: every request goes through the real router, middleware
//! and a fresh database, as a browser or API client would send it.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]
#![recursion_limit = "256"]

mod support;

mod accounts;
mod admin;
mod announcements;
mod api;
mod auth;
mod authoring_api;
mod course_admin;
mod deadlines;
mod discussion_moderation;
mod discussions;
mod forks;
mod get_writes;
mod grades;
mod hostile;
mod i18n;
mod imported;
mod jobs;
mod limits;
mod media;
mod messages;
mod metrics;
mod moderation;
mod nodes;
mod notices_mail;
mod oauth;
mod olx;
mod olx_roundtrip;
mod open_responses_api;
mod open_responses_pages;
mod open_responses_settings;
mod open_responses_staff;
mod open_responses_time;
mod pages;
mod performance;
mod permissions;
mod problems;
mod security;
mod studio_editors;
mod studio_editors_kinds;
mod studio_outline;
mod surveys;
mod translate_pages;
mod translations;
mod translations_dropdown;
mod translations_video;
mod translations_xliff;
mod trust;
mod upstream;
mod wiki_task_editor;
mod wiki_tasks;
