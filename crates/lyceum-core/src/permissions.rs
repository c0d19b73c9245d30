//! The one function that decides who may see or do what. Handlers gather the facts
//! (is the course published, is the viewer enrolled or on the course team) and ask
//! [`can`]; no handler decides access on its own.

use crate::ids::UserId;

/// Who is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<UserId>,
    pub site_admin: bool,
}

impl Actor {
    pub const ANONYMOUS: Actor = Actor {
        user: None,
        site_admin: false,
    };

    pub fn user(id: UserId, site_admin: bool) -> Actor {
        Actor {
            user: Some(id),
            site_admin,
        }
    }
}

/// A role on one course's team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CourseRole {
    /// Runs the course: edits content and settings, manages the team.
    Instructor,
    /// Teaching assistant: sees unreleased content and learners' records.
    Staff,
}

impl CourseRole {
    pub fn as_str(self) -> &'static str {
        match self {
            CourseRole::Instructor => "instructor",
            CourseRole::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<CourseRole> {
        match s {
            "instructor" => Some(CourseRole::Instructor),
            "staff" => Some(CourseRole::Staff),
            _ => None,
        }
    }
}

/// What is known about a course and the actor's relation to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CourseFacts {
    pub published: bool,
    pub enrollment_open: bool,
    /// The actor has an active enrolment.
    pub enrolled: bool,
    /// The actor's role on the course team, if any.
    pub role: Option<CourseRole>,
}

#[derive(Clone, Copy, Debug)]
pub enum Resource<'a> {
    Site,
    Course(&'a CourseFacts),
    /// A learner's private records in a course: completion, bookmarks, answers, grades.
    LearnerRecord {
        course: &'a CourseFacts,
        learner: UserId,
    },
    /// One learner's submitted work (an open response, its files, its assessments):
    /// theirs, a peer's it was given to review (`assigned_peer`), and the team's.
    Submission {
        course: &'a CourseFacts,
        learner: UserId,
        assigned_peer: bool,
    },
    /// A user's account and preferences.
    Account(UserId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    View,
    ViewCourseware,
    ViewUnreleased,
    Enroll,
    Unenroll,
    Edit,
    ManageTeam,
    /// See and change learners' scores: gradebook, overrides, attempt resets, rescoring,
    /// grade and answer exports. The whole course team; to anyone else such pages do not
    /// exist.
    Grade,
    /// Work in a course's blocks: write, submit and review open responses. Enrolled
    /// learners and the team; to anyone else a course's work does not exist.
    Respond,
    Administer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Anonymous: log in first, then it may be allowed.
    NeedLogin,
    /// The thing is visible but this is not allowed (e.g. courseware before enrolling).
    Forbidden,
    /// The actor may not even know it exists.
    NotFound,
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }
}

fn course_visible(actor: &Actor, c: &CourseFacts) -> bool {
    c.published || c.role.is_some() || actor.site_admin
}

fn on_team(actor: &Actor, c: &CourseFacts) -> bool {
    c.role.is_some() || actor.site_admin
}

pub fn can(actor: &Actor, action: Action, resource: Resource<'_>) -> Decision {
    use Decision::*;
    let logged_in = actor.user.is_some();
    match resource {
        Resource::Site => match action {
            Action::View => Allow,
            Action::Administer if actor.site_admin => Allow,
            _ if !logged_in => NeedLogin,
            _ => Forbidden,
        },
        Resource::Course(c) => {
            if !course_visible(actor, c) {
                return NotFound;
            }
            match action {
                Action::View => Allow,
                Action::Grade if on_team(actor, c) => Allow,
                // Learners' grades are private: not even their existence shows.
                Action::Grade => NotFound,
                _ if !logged_in => NeedLogin,
                Action::Respond if c.enrolled || on_team(actor, c) => Allow,
                // Not enrolled: a course's work is private to its learners and team.
                Action::Respond => NotFound,
                Action::Enroll if c.enrolled || c.enrollment_open || on_team(actor, c) => Allow,
                Action::Unenroll => Allow,
                Action::ViewCourseware if c.enrolled || on_team(actor, c) => Allow,
                Action::ViewUnreleased if on_team(actor, c) => Allow,
                Action::Edit | Action::ManageTeam
                    if c.role == Some(CourseRole::Instructor) || actor.site_admin =>
                {
                    Allow
                }
                _ => Forbidden,
            }
        }
        Resource::LearnerRecord { course, learner } => {
            // A record always belongs to someone: to anyone else, anonymous or not, it
            // does not exist.
            let own = logged_in && actor.user == Some(learner);
            match action {
                Action::View if own || on_team(actor, course) => Allow,
                Action::Edit if own || on_team(actor, course) => Allow,
                Action::Grade if logged_in && on_team(actor, course) => Allow,
                // Existence of someone else's record is itself private.
                _ => NotFound,
            }
        }
        Resource::Submission {
            course,
            learner,
            assigned_peer,
        } => {
            let own = logged_in && actor.user == Some(learner);
            let team = logged_in && on_team(actor, course);
            match action {
                Action::View if own || team || (logged_in && assigned_peer) => Allow,
                Action::Grade if team => Allow,
                // Someone else's work: not even its existence shows.
                _ => NotFound,
            }
        }
        Resource::Account(owner) => {
            if !logged_in {
                return NeedLogin;
            }
            match action {
                Action::View | Action::Edit if actor.user == Some(owner) || actor.site_admin => {
                    Allow
                }
                _ => NotFound,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    const LEARNER: UserId = UserId(1);
    const OTHER: UserId = UserId(2);
    const STAFF: UserId = UserId(3);
    const ADMIN: UserId = UserId(4);

    #[derive(Clone, Copy, Debug)]
    enum Who {
        Anonymous,
        Learner,
        OtherLearner,
        Staff,
        Admin,
    }

    const EVERYONE: [Who; 5] = [
        Who::Anonymous,
        Who::Learner,
        Who::OtherLearner,
        Who::Staff,
        Who::Admin,
    ];

    fn actor(w: Who) -> Actor {
        match w {
            Who::Anonymous => Actor::ANONYMOUS,
            Who::Learner => Actor::user(LEARNER, false),
            Who::OtherLearner => Actor::user(OTHER, false),
            Who::Staff => Actor::user(STAFF, false),
            Who::Admin => Actor::user(ADMIN, true),
        }
    }

    /// The learner is enrolled, the other learner is not, staff is on the team.
    fn facts(w: Who, published: bool) -> CourseFacts {
        CourseFacts {
            published,
            enrollment_open: true,
            enrolled: matches!(w, Who::Learner),
            role: matches!(w, Who::Staff).then_some(CourseRole::Staff),
        }
    }

    fn check(
        resource_for: impl Fn(Who, &CourseFacts) -> Decision,
        published: bool,
        expected: [Decision; 5],
        what: &str,
    ) {
        for (w, want) in EVERYONE.into_iter().zip(expected) {
            let f = facts(w, published);
            assert_eq!(resource_for(w, &f), want, "{what}: {w:?}");
        }
    }

    #[test]
    fn published_course_matrix() {
        let on =
            |action| move |w: Who, f: &CourseFacts| can(&actor(w), action, Resource::Course(f));
        check(
            on(Action::View),
            true,
            [Allow, Allow, Allow, Allow, Allow],
            "view about",
        );
        check(
            on(Action::Enroll),
            true,
            [NeedLogin, Allow, Allow, Allow, Allow],
            "enrol",
        );
        check(
            on(Action::Unenroll),
            true,
            [NeedLogin, Allow, Allow, Allow, Allow],
            "unenrol",
        );
        check(
            on(Action::ViewCourseware),
            true,
            [NeedLogin, Allow, Forbidden, Allow, Allow],
            "courseware",
        );
        check(
            on(Action::ViewUnreleased),
            true,
            [NeedLogin, Forbidden, Forbidden, Allow, Allow],
            "unreleased",
        );
        check(
            on(Action::Edit),
            true,
            [NeedLogin, Forbidden, Forbidden, Forbidden, Allow],
            "edit (TA may not)",
        );
        check(
            on(Action::ManageTeam),
            true,
            [NeedLogin, Forbidden, Forbidden, Forbidden, Allow],
            "team",
        );
        check(
            on(Action::Grade),
            true,
            [NotFound, NotFound, NotFound, Allow, Allow],
            "gradebook",
        );
    }

    #[test]
    fn unpublished_course_is_invisible_to_all_but_team_and_admins() {
        let on =
            |action| move |w: Who, f: &CourseFacts| can(&actor(w), action, Resource::Course(f));
        check(
            on(Action::View),
            false,
            [NotFound, NotFound, NotFound, Allow, Allow],
            "view",
        );
        check(
            on(Action::Enroll),
            false,
            [NotFound, NotFound, NotFound, Allow, Allow],
            "enrol",
        );
        check(
            on(Action::ViewCourseware),
            false,
            [NotFound, NotFound, NotFound, Allow, Allow],
            "courseware",
        );
    }

    #[test]
    fn instructors_edit_and_manage() {
        let f = CourseFacts {
            published: false,
            enrollment_open: false,
            enrolled: false,
            role: Some(CourseRole::Instructor),
        };
        let a = Actor::user(STAFF, false);
        assert_eq!(can(&a, Action::Edit, Resource::Course(&f)), Allow);
        assert_eq!(can(&a, Action::ManageTeam, Resource::Course(&f)), Allow);
    }

    #[test]
    fn closed_enrolment() {
        let mut f = facts(Who::OtherLearner, true);
        f.enrollment_open = false;
        assert_eq!(
            can(
                &actor(Who::OtherLearner),
                Action::Enroll,
                Resource::Course(&f)
            ),
            Forbidden
        );
        // Already enrolled stays allowed (idempotent), team may always enrol.
        let mut f = facts(Who::Learner, true);
        f.enrollment_open = false;
        assert_eq!(
            can(&actor(Who::Learner), Action::Enroll, Resource::Course(&f)),
            Allow
        );
    }

    #[test]
    fn learner_records_are_private() {
        for action in [Action::View, Action::Edit] {
            check(
                |w, f| {
                    can(
                        &actor(w),
                        action,
                        Resource::LearnerRecord {
                            course: f,
                            learner: LEARNER,
                        },
                    )
                },
                true,
                [NotFound, Allow, NotFound, Allow, Allow],
                "learner record",
            );
        }
        // Grading someone is for the course team only, never for the learner themself.
        check(
            |w, f| {
                can(
                    &actor(w),
                    Action::Grade,
                    Resource::LearnerRecord {
                        course: f,
                        learner: LEARNER,
                    },
                )
            },
            true,
            [NotFound, NotFound, NotFound, Allow, Allow],
            "grade a learner",
        );
        // Staff of another course: no role on this one.
        let f = CourseFacts {
            published: true,
            enrollment_open: true,
            enrolled: false,
            role: None,
        };
        assert_eq!(
            can(
                &Actor::user(STAFF, false),
                Action::View,
                Resource::LearnerRecord {
                    course: &f,
                    learner: LEARNER
                }
            ),
            NotFound
        );
    }

    #[test]
    fn responding_is_for_learners_and_the_team() {
        check(
            |w, f| can(&actor(w), Action::Respond, Resource::Course(f)),
            true,
            [NeedLogin, Allow, NotFound, Allow, Allow],
            "respond in a published course",
        );
        check(
            |w, f| can(&actor(w), Action::Respond, Resource::Course(f)),
            false,
            [NotFound, NotFound, NotFound, Allow, Allow],
            "respond in an unpublished course",
        );
    }

    #[test]
    fn submissions_show_to_their_learner_their_peer_and_the_team() {
        for (assigned_peer, view) in [
            (false, [NotFound, Allow, NotFound, Allow, Allow]),
            (true, [NotFound, Allow, Allow, Allow, Allow]),
        ] {
            let on = |action| {
                move |w: Who, f: &CourseFacts| {
                    can(
                        &actor(w),
                        action,
                        Resource::Submission {
                            course: f,
                            learner: LEARNER,
                            assigned_peer: assigned_peer && matches!(w, Who::OtherLearner),
                        },
                    )
                }
            };
            check(on(Action::View), true, view, "view a submission");
            check(
                on(Action::Grade),
                true,
                [NotFound, NotFound, NotFound, Allow, Allow],
                "grade a submission",
            );
        }
    }

    #[test]
    fn accounts_are_private() {
        for action in [Action::View, Action::Edit] {
            check(
                |w, _| can(&actor(w), action, Resource::Account(LEARNER)),
                true,
                [NeedLogin, Allow, NotFound, NotFound, Allow],
                "account",
            );
        }
    }

    #[test]
    fn site_administration() {
        check(
            |w, _| can(&actor(w), Action::Administer, Resource::Site),
            true,
            [NeedLogin, Forbidden, Forbidden, Forbidden, Allow],
            "admin",
        );
        check(
            |w, _| can(&actor(w), Action::View, Resource::Site),
            true,
            [Allow; 5],
            "site",
        );
    }
}
