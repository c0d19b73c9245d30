//! Repository functions, one module per area. Each takes `&mut impl Db` and returns rows.

pub mod accounts;
pub mod admin;
pub mod assets;
pub mod audit;
pub mod calendar;
pub mod course_admin;
pub mod courses;
pub mod discussion_settings;
pub mod drafts;
pub mod forks;
pub mod learner;
pub mod login_limits;
pub mod media;
pub mod moderation;
pub mod notifications;
pub mod open_responses;
pub mod orgs;
pub mod pages;
pub mod problems;
pub mod sessions;
pub mod settings;
pub mod surveys;
pub mod trust;
pub mod upstream;
pub mod users;
pub mod wiki;
