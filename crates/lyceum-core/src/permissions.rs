//! The one function that decides who may see or do what. Handlers gather the facts
//! (is the course published, is the viewer enrolled or on the course team) and ask
//! [`can`]; no handler decides access on its own.

use crate::ids::UserId;

/// Who is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<UserId>,
    pub site_admin: bool,
    /// Granted course creation by a site admin: may create courses in any organisation
    /// they belong to (an organisation's admins and creators may without this grant).
    pub course_creator: bool,
    /// Trusted (see `crate::trust`): may create courses and upload files. Site admins
    /// and holders of the course-creation grant always are; the web fills it from the
    /// session (grants, roles, Wikimedia standing, a stamped track record), and the app
    /// re-reads it from the store before refusing (`lyceum_app::trust::effective`).
    pub trusted: bool,
    /// A site moderator: acts on reports and content everywhere (never on admins or
    /// other moderators).
    pub moderator: bool,
    /// Suspended now by a moderator: may not publish or create courses (learning,
    /// reading and submitting work go on).
    pub suspended: bool,
}

impl Actor {
    pub const ANONYMOUS: Actor = Actor {
        user: None,
        site_admin: false,
        course_creator: false,
        trusted: false,
        moderator: false,
        suspended: false,
    };

    pub fn user(id: UserId, site_admin: bool) -> Actor {
        Actor {
            user: Some(id),
            site_admin,
            course_creator: false,
            trusted: site_admin,
            moderator: false,
            suspended: false,
        }
    }

    /// With the site's course-creation grant (which makes the account trusted too).
    pub fn with_course_creation(mut self, allowed: bool) -> Actor {
        self.course_creator = allowed;
        self.trusted |= allowed;
        self
    }

    /// Trusted or not; site admins, course creators and site moderators stay trusted.
    pub fn with_trust(mut self, trusted: bool) -> Actor {
        self.trusted = trusted || self.site_admin || self.course_creator || self.moderator;
        self
    }

    pub fn with_moderation(mut self, moderator: bool) -> Actor {
        self.moderator = moderator;
        // A site moderator holds a trusted role (`crate::trust`).
        self.trusted |= moderator;
        self
    }

    pub fn with_suspension(mut self, suspended: bool) -> Actor {
        self.suspended = suspended;
        self
    }
}

/// A role on one course's team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CourseRole {
    /// Runs the course: content, settings, publishing, the team, grading.
    Instructor,
    /// Writes the course: content and settings, preview and publish; no learner records.
    Author,
    /// Teaching assistant: grading and learners' records, unreleased content; no editing.
    Staff,
    /// Translates the course's content (all of it, unreleased parts too); no editing of
    /// the source, no learners' records, no publishing of a language.
    Translator,
}

impl CourseRole {
    pub const ALL: [CourseRole; 4] = [
        CourseRole::Instructor,
        CourseRole::Author,
        CourseRole::Staff,
        CourseRole::Translator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CourseRole::Instructor => "instructor",
            CourseRole::Author => "author",
            CourseRole::Staff => "staff",
            CourseRole::Translator => "translator",
        }
    }

    pub fn parse(s: &str) -> Option<CourseRole> {
        match s {
            "instructor" => Some(CourseRole::Instructor),
            "author" => Some(CourseRole::Author),
            "staff" => Some(CourseRole::Staff),
            "translator" => Some(CourseRole::Translator),
            _ => None,
        }
    }
}

/// A role in an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrgRole {
    /// Runs the organisation: its people, its description and logo, and as instructor
    /// on every one of its courses; reviews its courses.
    Admin,
    /// Reviews the organisation's courses before they are published (where it requires
    /// review) and sees its unpublished courses.
    Reviewer,
    /// Creates courses in the organisation.
    Creator,
    /// Belongs to the organisation; may create courses there with a site grant.
    Member,
    /// Moderates the organisation's courses: reports routed to it, hiding content.
    Moderator,
    /// Translates every course of the organisation (issue 17): a volunteer it trusts,
    /// whoever they are on the site. Publishing a language stays with each course's writers.
    Translator,
}

impl OrgRole {
    pub const ALL: [OrgRole; 6] = [
        OrgRole::Admin,
        OrgRole::Reviewer,
        OrgRole::Moderator,
        OrgRole::Translator,
        OrgRole::Creator,
        OrgRole::Member,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Admin => "admin",
            OrgRole::Reviewer => "reviewer",
            OrgRole::Creator => "creator",
            OrgRole::Member => "member",
            OrgRole::Moderator => "moderator",
            OrgRole::Translator => "translator",
        }
    }

    pub fn parse(s: &str) -> Option<OrgRole> {
        match s {
            "admin" => Some(OrgRole::Admin),
            "reviewer" => Some(OrgRole::Reviewer),
            "creator" => Some(OrgRole::Creator),
            "member" => Some(OrgRole::Member),
            "moderator" => Some(OrgRole::Moderator),
            "translator" => Some(OrgRole::Translator),
            _ => None,
        }
    }
}

/// What is known about a course and the actor's relation to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CourseFacts {
    pub published: bool,
    pub enrollment_open: bool,
    /// The actor has an active enrolment.
    pub enrolled: bool,
    /// The actor's role on the course team, if any.
    pub role: Option<CourseRole>,
    /// The actor's role in the organisation the course belongs to, if any.
    pub org_role: Option<OrgRole>,
    /// Hidden by a moderator: gone for learners and visitors, there for its team and
    /// moderators.
    pub hidden: bool,
}

/// What is known about an organisation and the actor's place in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrgFacts {
    pub role: Option<OrgRole>,
}

/// A person as a moderator sees them: whether they hold a role no moderator may act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonFacts {
    pub user: UserId,
    pub site_admin: bool,
    pub moderator: bool,
}

#[derive(Clone, Copy, Debug)]
pub enum Resource<'a> {
    Site,
    Org(&'a OrgFacts),
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
    /// A course as the source of a fork: the course and whether its licence allows
    /// adaptations (CC BY-SA, CC BY, CC0; never "all rights reserved").
    ForkSource {
        course: &'a CourseFacts,
        adaptable: bool,
    },
    /// A person, as reports and moderation see them (their public page, their standing).
    Person(&'a PersonFacts),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    View,
    ViewCourseware,
    ViewUnreleased,
    Enroll,
    Unenroll,
    /// A course: write its content (outline, blocks, files, their settings) and its
    /// settings (About page, dates, grading policy) — instructors and authors. An
    /// organisation: its description and logo. An account: its preferences.
    Edit,
    /// Make a course's draft live (or send it for review) and discard a draft.
    Publish,
    /// A course: add and remove its team. An organisation: add and remove its people.
    ManageTeam,
    /// See and change learners' scores: gradebook, overrides, attempt resets, rescoring,
    /// grade and answer exports. Instructors and staff; to anyone outside the team such
    /// pages do not exist.
    Grade,
    /// Work in a course's blocks: write, submit and review open responses. Enrolled
    /// learners and the team; to anyone else a course's work does not exist.
    Respond,
    /// Approve a course for publication, or send it back, in an organisation that
    /// requires review; mark a course reviewed.
    Review,
    /// Create a course in an organisation (a new course, a rerun, a fork): trusted
    /// accounts only (`crate::trust`).
    CreateCourse,
    /// Upload a file: a course's files (images, video, subtitles) and its card image,
    /// an organisation's logo — writers of the course, admins of the organisation, and
    /// only trusted accounts. (Learners' open-response attachments are their answers,
    /// under `Respond`, and stay allowed.)
    Upload,
    /// The site: its users, organisations and audit log. A course: its status (archive,
    /// reopen) and rerun. An organisation: rename it, and whether it needs review.
    Administer,
    /// Copy a course's published content into a new course of one's own (a fork), on a
    /// [`Resource::ForkSource`]: anyone logged in who sees the course, when its licence
    /// allows adaptations. Where the copy goes is `CreateCourse`'s question.
    Fork,
    /// Report something to the moderators: anyone logged in, on what they can see.
    Report,
    /// Act as a moderator: the queue, hiding content, warning, suspending and blocking
    /// people, dismissing reports. Site moderators and admins everywhere; an
    /// organisation's moderators and admins on its courses. Never on oneself, never on a
    /// course one works on (unless site admin), and a moderator never on an admin or
    /// another moderator.
    Moderate,
    /// Read and write a course's discussions (issue 15): its enrolled learners, its team
    /// and its moderators. To anyone else — anonymous visitors included — a course's
    /// discussions do not exist. (Writing also needs the person not suspended, muted or
    /// banned: the use cases check those, with the reason and end date.)
    Discuss,
    /// Moderate a course's discussions: pin, close, edit with a reason, hide, delete
    /// softly, mute and ban from them, review held posts. Those who teach the course
    /// (instructors, staff, its organisation's admins) and its moderators (site
    /// moderators and admins, the organisation's moderators).
    ModerateDiscussion,
    /// Translate a course's content into another language (issue 17): its translators
    /// and those who write it (instructors, authors, its organisation's admins).
    Translate,
    /// Publish (or withdraw) a language of a course for its learners: those who write it.
    PublishTranslation,
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

/// Runs the course: an instructor, an admin of its organisation, a site admin.
fn runs(actor: &Actor, c: &CourseFacts) -> bool {
    actor.site_admin || c.role == Some(CourseRole::Instructor) || c.org_role == Some(OrgRole::Admin)
}

/// Writes the course's content.
fn writes(actor: &Actor, c: &CourseFacts) -> bool {
    runs(actor, c) || c.role == Some(CourseRole::Author)
}

/// Teaches the course: grading and learners' records.
fn teaches(actor: &Actor, c: &CourseFacts) -> bool {
    runs(actor, c) || c.role == Some(CourseRole::Staff)
}

/// Reviews the course for its organisation.
fn reviews(actor: &Actor, c: &CourseFacts) -> bool {
    actor.site_admin || matches!(c.org_role, Some(OrgRole::Admin | OrgRole::Reviewer))
}

/// Anyone who works on the course: its team, its organisation's admins and reviewers.
fn on_team(actor: &Actor, c: &CourseFacts) -> bool {
    c.role.is_some() || runs(actor, c) || reviews(actor, c)
}

/// A site moderator or admin (logged in).
fn moderates_site(actor: &Actor) -> bool {
    actor.user.is_some() && (actor.site_admin || actor.moderator)
}

/// Moderates the course: site moderators and admins, its organisation's moderators and
/// admins.
fn moderates(actor: &Actor, c: &CourseFacts) -> bool {
    moderates_site(actor)
        || (actor.user.is_some() && matches!(c.org_role, Some(OrgRole::Admin | OrgRole::Moderator)))
}

fn course_visible(actor: &Actor, c: &CourseFacts) -> bool {
    (c.published && !c.hidden) || on_team(actor, c) || moderates(actor, c)
}

pub fn can(actor: &Actor, action: Action, resource: Resource<'_>) -> Decision {
    use Decision::*;
    let logged_in = actor.user.is_some();
    match resource {
        Resource::Site => match action {
            Action::View => Allow,
            Action::Administer if actor.site_admin => Allow,
            _ if !logged_in => NeedLogin,
            Action::Moderate if moderates_site(actor) => Allow,
            _ => Forbidden,
        },
        Resource::Org(o) => {
            let admin = actor.site_admin || o.role == Some(OrgRole::Admin);
            match action {
                Action::View => Allow,
                _ if !logged_in => NeedLogin,
                Action::Edit | Action::ManageTeam if admin => Allow,
                Action::Upload if admin && actor.trusted => Allow,
                Action::Review if admin || o.role == Some(OrgRole::Reviewer) => Allow,
                Action::Moderate
                    if moderates_site(actor) || o.role == Some(OrgRole::Moderator) || admin =>
                {
                    Allow
                }
                // Suspended: no new courses until the suspension ends.
                Action::CreateCourse if actor.suspended => Forbidden,
                Action::CreateCourse
                    if actor.trusted
                        && (admin
                            || o.role == Some(OrgRole::Creator)
                            || (actor.course_creator && o.role.is_some())) =>
                {
                    Allow
                }
                Action::Administer if actor.site_admin => Allow,
                _ => Forbidden,
            }
        }
        Resource::Course(c) => {
            if !course_visible(actor, c) {
                return NotFound;
            }
            match action {
                Action::View => Allow,
                Action::Grade if logged_in && teaches(actor, c) => Allow,
                // An author works on the course but not with its learners.
                Action::Grade if logged_in && on_team(actor, c) => Forbidden,
                // Learners' grades are private: not even their existence shows.
                Action::Grade => NotFound,
                Action::ModerateDiscussion
                    if logged_in && (teaches(actor, c) || moderates(actor, c)) =>
                {
                    Allow
                }
                Action::Discuss | Action::ModerateDiscussion
                    if logged_in && (c.enrolled || on_team(actor, c) || moderates(actor, c)) =>
                {
                    if action == Action::Discuss {
                        Allow
                    } else {
                        Forbidden
                    }
                }
                // Not enrolled and not on the team: its discussions do not exist.
                Action::Discuss | Action::ModerateDiscussion => NotFound,
                _ if !logged_in => NeedLogin,
                Action::Report => Allow,
                // One does not moderate a course one works on (site admins excepted).
                Action::Moderate if actor.site_admin => Allow,
                Action::Moderate if c.role.is_none() && moderates(actor, c) => Allow,
                Action::Moderate => Forbidden,
                // Moderators look at what they judge, hidden and unreleased parts included.
                Action::ViewCourseware | Action::ViewUnreleased if moderates(actor, c) => Allow,
                Action::Respond if c.enrolled || on_team(actor, c) => Allow,
                // Not enrolled: a course's work is private to its learners and team.
                Action::Respond => NotFound,
                Action::Enroll if c.enrolled || c.enrollment_open || on_team(actor, c) => Allow,
                Action::Unenroll => Allow,
                Action::ViewCourseware if c.enrolled || on_team(actor, c) => Allow,
                Action::ViewUnreleased if on_team(actor, c) => Allow,
                // Suspended: writing drafts goes on, publishing waits.
                Action::Publish if actor.suspended => Forbidden,
                Action::Edit | Action::Publish if writes(actor, c) => Allow,
                Action::Upload if writes(actor, c) && actor.trusted => Allow,
                Action::ManageTeam | Action::Administer if runs(actor, c) => Allow,
                Action::Review if reviews(actor, c) => Allow,
                // Translating: the course's translators and those who write it; a language
                // is published for learners by those who write the course.
                Action::Translate
                    if writes(actor, c)
                        || c.role == Some(CourseRole::Translator)
                        || (actor.user.is_some() && c.org_role == Some(OrgRole::Translator)) =>
                {
                    Allow
                }
                Action::PublishTranslation if writes(actor, c) => Allow,
                _ => Forbidden,
            }
        }
        Resource::LearnerRecord { course, learner } => {
            // A record always belongs to someone: to anyone else, anonymous or not, it
            // does not exist.
            let own = logged_in && actor.user == Some(learner);
            let team = logged_in && teaches(actor, course);
            match action {
                Action::View | Action::Edit if own || team => Allow,
                Action::Grade if team => Allow,
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
            let team = logged_in && teaches(actor, course);
            match action {
                Action::View if own || team || (logged_in && assigned_peer) => Allow,
                Action::Grade if team => Allow,
                // Someone else's work: not even its existence shows.
                _ => NotFound,
            }
        }
        Resource::ForkSource { course, adaptable } => {
            if !course_visible(actor, course) {
                return NotFound;
            }
            match action {
                Action::Fork | Action::View if !logged_in => NeedLogin,
                Action::View => Allow,
                Action::Fork if adaptable => Allow,
                _ => Forbidden,
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
        Resource::Person(p) => {
            let own = actor.user == Some(p.user);
            match action {
                Action::View => Allow,
                _ if !logged_in => NeedLogin,
                Action::Report if !own => Allow,
                // Nobody moderates themselves; admins are acted on by admins only, and
                // moderators by admins only.
                Action::Moderate if own => Forbidden,
                Action::Moderate if actor.site_admin => Allow,
                Action::Moderate if actor.moderator && !p.site_admin && !p.moderator => Allow,
                _ => Forbidden,
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
            org_role: None,
            hidden: false,
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
            org_role: None,
            hidden: false,
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
            org_role: None,
            hidden: false,
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

    /// Every authoring and administration decision on a course, for every kind of person:
    /// the matrix issue 12 asks for. Columns: anonymous, enrolled learner, instructor,
    /// author, staff (TA), org admin, org reviewer, org creator (no role on the course),
    /// site admin.
    #[test]
    fn course_team_matrix() {
        #[derive(Clone, Copy, Debug)]
        enum P {
            Anon,
            Learner,
            Instructor,
            Author,
            Staff,
            OrgAdmin,
            OrgReviewer,
            OrgCreator,
            SiteAdmin,
        }
        const PEOPLE: [P; 9] = [
            P::Anon,
            P::Learner,
            P::Instructor,
            P::Author,
            P::Staff,
            P::OrgAdmin,
            P::OrgReviewer,
            P::OrgCreator,
            P::SiteAdmin,
        ];
        fn who(p: P, published: bool) -> (Actor, CourseFacts) {
            let actor = match p {
                P::Anon => Actor::ANONYMOUS,
                P::SiteAdmin => Actor::user(ADMIN, true),
                _ => Actor::user(STAFF, false),
            };
            let facts = CourseFacts {
                published,
                enrollment_open: true,
                enrolled: matches!(p, P::Learner),
                role: match p {
                    P::Instructor => Some(CourseRole::Instructor),
                    P::Author => Some(CourseRole::Author),
                    P::Staff => Some(CourseRole::Staff),
                    _ => None,
                },
                org_role: match p {
                    P::OrgAdmin => Some(OrgRole::Admin),
                    P::OrgReviewer => Some(OrgRole::Reviewer),
                    P::OrgCreator => Some(OrgRole::Creator),
                    _ => None,
                },
                hidden: false,
            };
            (actor, facts)
        }
        const A: Decision = Allow;
        const F: Decision = Forbidden;
        const N: Decision = NotFound;
        const L: Decision = NeedLogin;
        #[rustfmt::skip]
        let published: [(Action, [Decision; 9]); 14] = [
            //                          anon learner instr author staff oadmin orev ocreat admin
            (Action::View,            [A,   A,      A,    A,     A,    A,     A,   A,     A]),
            (Action::ViewCourseware,  [L,   A,      A,    A,     A,    A,     A,   F,     A]),
            (Action::ViewUnreleased,  [L,   F,      A,    A,     A,    A,     A,   F,     A]),
            (Action::Edit,            [L,   F,      A,    A,     F,    A,     F,   F,     A]),
            (Action::Publish,         [L,   F,      A,    A,     F,    A,     F,   F,     A]),
            (Action::ManageTeam,      [L,   F,      A,    F,     F,    A,     F,   F,     A]),
            (Action::Administer,      [L,   F,      A,    F,     F,    A,     F,   F,     A]),
            (Action::Grade,           [N,   N,      A,    F,     A,    A,     F,   N,     A]),
            (Action::Review,          [L,   F,      F,    F,     F,    A,     A,   F,     A]),
            (Action::Respond,         [L,   A,      A,    A,     A,    A,     A,   N,     A]),
            (Action::Report,          [L,   A,      A,    A,     A,    A,     A,   A,     A]),
            // Nobody moderates a course they work on; an org admin (no course role) does.
            (Action::Moderate,        [L,   F,      F,    F,     F,    A,     F,   F,     A]),
            // Discussions: members only; those who teach and moderators moderate them.
            (Action::Discuss,         [N,   A,      A,    A,     A,    A,     A,   N,     A]),
            (Action::ModerateDiscussion, [N, F,     A,    F,     A,    A,     F,   N,     A]),
        ];
        for (action, row) in published {
            for (p, want) in PEOPLE.into_iter().zip(row) {
                let (actor, facts) = who(p, true);
                assert_eq!(
                    can(&actor, action, Resource::Course(&facts)),
                    want,
                    "{action:?} by {p:?} (published)"
                );
            }
        }
        // Unpublished: the same for everyone who works on it; everyone else does not see it.
        for (action, row) in published {
            for (p, want) in PEOPLE.into_iter().zip(row) {
                let (actor, facts) = who(p, false);
                let outsider = matches!(p, P::Anon | P::Learner | P::OrgCreator);
                let want = if outsider { N } else { want };
                assert_eq!(
                    can(&actor, action, Resource::Course(&facts)),
                    want,
                    "{action:?} by {p:?} (draft)"
                );
            }
        }
        // Learners' records and work: instructors, staff, org admins and site admins;
        // an author or reviewer works on the course but never sees a learner's record.
        for (p, want) in PEOPLE.into_iter().zip([N, A, A, N, A, A, N, N, A]) {
            let (actor, facts) = who(p, true);
            let learner = if matches!(p, P::Learner) {
                STAFF
            } else {
                LEARNER
            };
            for resource in [
                Resource::LearnerRecord {
                    course: &facts,
                    learner,
                },
                Resource::Submission {
                    course: &facts,
                    learner,
                    assigned_peer: false,
                },
            ] {
                assert_eq!(
                    can(&actor, Action::View, resource),
                    want,
                    "{p:?} sees a record"
                );
            }
        }
    }

    /// Issue 17: a course's translators, the organisation's, and its writers translate;
    /// only the writers publish a language.
    #[test]
    fn translation_matrix() {
        let facts =
            |role: Option<CourseRole>, org_role: Option<OrgRole>, enrolled: bool| CourseFacts {
                published: true,
                enrollment_open: true,
                enrolled,
                role,
                org_role,
                hidden: false,
            };
        let someone = Actor::user(STAFF, false);
        #[rustfmt::skip]
        let cases = [
            // who,                         actor,               translate, publish
            ("anonymous", Actor::ANONYMOUS, facts(None, None, false), NeedLogin, NeedLogin),
            ("learner", someone, facts(None, None, true), Forbidden, Forbidden),
            ("course translator", someone, facts(Some(CourseRole::Translator), None, false), Allow, Forbidden),
            ("org translator", someone, facts(None, Some(OrgRole::Translator), false), Allow, Forbidden),
            ("staff", someone, facts(Some(CourseRole::Staff), None, false), Forbidden, Forbidden),
            ("author", someone, facts(Some(CourseRole::Author), None, false), Allow, Allow),
            ("org admin", someone, facts(None, Some(OrgRole::Admin), false), Allow, Allow),
        ];
        for (who, actor, c, translate, publish) in cases {
            let r = Resource::Course(&c);
            assert_eq!(
                can(&actor, Action::Translate, r),
                translate,
                "{who} translates"
            );
            assert_eq!(
                can(&actor, Action::PublishTranslation, r),
                publish,
                "{who} publishes"
            );
        }
    }

    #[test]
    fn fork_matrix() {
        // Anonymous, enrolled learner, other learner, staff, site admin.
        let fork = |adaptable| {
            move |w: Who, f: &CourseFacts| {
                can(
                    &actor(w),
                    Action::Fork,
                    Resource::ForkSource {
                        course: f,
                        adaptable,
                    },
                )
            }
        };
        check(
            fork(true),
            true,
            [NeedLogin, Allow, Allow, Allow, Allow],
            "fork a free published course",
        );
        check(
            fork(false),
            true,
            [NeedLogin, Forbidden, Forbidden, Forbidden, Forbidden],
            "all rights reserved: nobody forks, not even an admin",
        );
        check(
            fork(true),
            false,
            [NotFound, NotFound, NotFound, Allow, Allow],
            "an unpublished course: only those who see it",
        );
        check(
            fork(false),
            false,
            [NotFound, NotFound, NotFound, Forbidden, Forbidden],
            "unpublished and not free",
        );
        // Fork is no action on a course as such.
        check(
            |w, f| can(&actor(w), Action::Fork, Resource::Course(f)),
            true,
            [NeedLogin, Forbidden, Forbidden, Forbidden, Forbidden],
            "fork needs the licence fact",
        );
    }

    #[test]
    fn organisation_matrix() {
        let member = |role: Option<OrgRole>, creator: bool| {
            // The web's actor is trusted for these roles (`crate::trust`).
            let trusted = matches!(
                role,
                Some(OrgRole::Admin | OrgRole::Reviewer | OrgRole::Creator)
            );
            (
                Actor::user(STAFF, false)
                    .with_course_creation(creator)
                    .with_trust(trusted),
                OrgFacts { role },
            )
        };
        #[rustfmt::skip]
        let cases: [((Actor, OrgFacts), [Decision; 5]); 8] = [
            // View, Edit, ManageTeam, Review, CreateCourse, (Administer below)
            ((Actor::ANONYMOUS, OrgFacts::default()),          [Allow, NeedLogin, NeedLogin, NeedLogin, NeedLogin]),
            (member(None, false),                               [Allow, Forbidden, Forbidden, Forbidden, Forbidden]),
            // A site grant alone is no right in an organisation one does not belong to.
            (member(None, true),                                [Allow, Forbidden, Forbidden, Forbidden, Forbidden]),
            (member(Some(OrgRole::Member), false),              [Allow, Forbidden, Forbidden, Forbidden, Forbidden]),
            (member(Some(OrgRole::Member), true),               [Allow, Forbidden, Forbidden, Forbidden, Allow]),
            (member(Some(OrgRole::Creator), false),             [Allow, Forbidden, Forbidden, Forbidden, Allow]),
            (member(Some(OrgRole::Reviewer), false),            [Allow, Forbidden, Forbidden, Allow, Forbidden]),
            (member(Some(OrgRole::Admin), false),               [Allow, Allow, Allow, Allow, Allow]),
        ];
        let actions = [
            Action::View,
            Action::Edit,
            Action::ManageTeam,
            Action::Review,
            Action::CreateCourse,
        ];
        for ((actor, facts), row) in cases {
            for (action, want) in actions.into_iter().zip(row) {
                assert_eq!(
                    can(&actor, action, Resource::Org(&facts)),
                    want,
                    "{action:?} by {actor:?} in {facts:?}"
                );
            }
            // Renaming an organisation and whether it needs review: site admins only.
            let want = if actor.user.is_none() {
                NeedLogin
            } else {
                Forbidden
            };
            assert_eq!(can(&actor, Action::Administer, Resource::Org(&facts)), want);
        }
        let admin = Actor::user(ADMIN, true);
        for action in [
            Action::Edit,
            Action::ManageTeam,
            Action::Review,
            Action::CreateCourse,
            Action::Administer,
        ] {
            assert_eq!(
                can(&admin, action, Resource::Org(&OrgFacts::default())),
                Allow,
                "{action:?}"
            );
        }
    }

    /// Trust (issue 13): creating courses and uploading files need a trusted account on
    /// top of the role; editing, publishing and learners' answers do not.
    #[test]
    fn trust_matrix() {
        let org = |role| OrgFacts { role: Some(role) };
        let course = |role| CourseFacts {
            published: true,
            enrollment_open: true,
            enrolled: false,
            role,
            org_role: None,
            hidden: false,
        };
        for trusted in [false, true] {
            let actor = Actor::user(STAFF, false).with_trust(trusted);
            let want = if trusted { Allow } else { Forbidden };
            for role in [OrgRole::Admin, OrgRole::Creator] {
                assert_eq!(
                    can(&actor, Action::CreateCourse, Resource::Org(&org(role))),
                    want,
                    "create as {role:?}, trusted {trusted}"
                );
            }
            assert_eq!(
                can(&actor, Action::Upload, Resource::Org(&org(OrgRole::Admin))),
                want,
                "logo, trusted {trusted}"
            );
            assert_eq!(
                can(
                    &actor,
                    Action::Upload,
                    Resource::Org(&org(OrgRole::Creator))
                ),
                Forbidden
            );
            assert_eq!(
                can(&actor, Action::Edit, Resource::Org(&org(OrgRole::Admin))),
                Allow
            );
            for role in [CourseRole::Instructor, CourseRole::Author] {
                let f = course(Some(role));
                assert_eq!(
                    can(&actor, Action::Upload, Resource::Course(&f)),
                    want,
                    "files as {role:?}, trusted {trusted}"
                );
                assert_eq!(can(&actor, Action::Edit, Resource::Course(&f)), Allow);
                assert_eq!(can(&actor, Action::Publish, Resource::Course(&f)), Allow);
            }
            // Staff and learners upload nothing to the course, trusted or not; a
            // learner's answers (attachments included) stay theirs to give.
            let staff = course(Some(CourseRole::Staff));
            assert_eq!(
                can(&actor, Action::Upload, Resource::Course(&staff)),
                Forbidden
            );
            let learner = CourseFacts {
                enrolled: true,
                ..course(None)
            };
            assert_eq!(
                can(&actor, Action::Upload, Resource::Course(&learner)),
                Forbidden
            );
            assert_eq!(
                can(&actor, Action::Respond, Resource::Course(&learner)),
                Allow
            );
        }
        // Site admins and course creators are trusted by their grant.
        assert!(Actor::user(ADMIN, true).trusted);
        assert!(Actor::user(STAFF, false).with_course_creation(true).trusted);
        assert!(Actor::user(ADMIN, true).with_trust(false).trusted);
        assert!(!Actor::user(STAFF, false).trusted);
        assert_eq!(
            can(
                &Actor::ANONYMOUS,
                Action::Upload,
                Resource::Org(&OrgFacts::default())
            ),
            NeedLogin
        );
    }
    /// Reports and moderation over courses, hidden ones included. Columns: anonymous,
    /// enrolled learner, instructor, org moderator, org moderator who is also the
    /// course's author, org admin, site moderator, site admin, suspended instructor.
    #[test]
    fn moderation_matrix() {
        #[derive(Clone, Copy, Debug)]
        enum P {
            Anon,
            Learner,
            Instructor,
            OrgModerator,
            OrgModeratorAuthor,
            OrgAdmin,
            SiteModerator,
            SiteAdmin,
            SuspendedInstructor,
        }
        const PEOPLE: [P; 9] = [
            P::Anon,
            P::Learner,
            P::Instructor,
            P::OrgModerator,
            P::OrgModeratorAuthor,
            P::OrgAdmin,
            P::SiteModerator,
            P::SiteAdmin,
            P::SuspendedInstructor,
        ];
        fn who(p: P, hidden: bool) -> (Actor, CourseFacts) {
            let actor = match p {
                P::Anon => Actor::ANONYMOUS,
                P::SiteAdmin => Actor::user(ADMIN, true),
                P::SiteModerator => Actor::user(STAFF, false).with_moderation(true),
                P::SuspendedInstructor => Actor::user(STAFF, false).with_suspension(true),
                _ => Actor::user(STAFF, false),
            };
            let facts = CourseFacts {
                published: true,
                enrollment_open: true,
                enrolled: matches!(p, P::Learner),
                role: match p {
                    P::Instructor | P::SuspendedInstructor => Some(CourseRole::Instructor),
                    P::OrgModeratorAuthor => Some(CourseRole::Author),
                    _ => None,
                },
                org_role: match p {
                    P::OrgModerator | P::OrgModeratorAuthor => Some(OrgRole::Moderator),
                    P::OrgAdmin => Some(OrgRole::Admin),
                    _ => None,
                },
                hidden,
            };
            (actor, facts)
        }
        const A: Decision = Allow;
        const F: Decision = Forbidden;
        const N: Decision = NotFound;
        const L: Decision = NeedLogin;
        #[rustfmt::skip]
        let visible: [(Action, [Decision; 9]); 8] = [
            //                          anon learner instr omod omodauth oadmin smod sadmin susp
            (Action::View,            [A,   A,      A,    A,   A,       A,     A,   A,     A]),
            (Action::ViewCourseware,  [L,   A,      A,    A,   A,       A,     A,   A,     A]),
            (Action::Report,          [L,   A,      A,    A,   A,       A,     A,   A,     A]),
            (Action::Moderate,        [L,   F,      F,    A,   F,       A,     A,   A,     F]),
            (Action::Edit,            [L,   F,      A,    F,   A,       A,     F,   A,     A]),
            (Action::Publish,         [L,   F,      A,    F,   A,       A,     F,   A,     F]),
            (Action::Discuss,         [N,   A,      A,    A,   A,       A,     A,   A,     A]),
            (Action::ModerateDiscussion, [N, F,     A,    A,   A,       A,     A,   A,     A]),
        ];
        #[rustfmt::skip]
        let hidden: [(Action, [Decision; 9]); 8] = [
            // Gone for learners and visitors; there for its team and moderators.
            (Action::View,            [N,   N,      A,    A,   A,       A,     A,   A,     A]),
            (Action::ViewCourseware,  [N,   N,      A,    A,   A,       A,     A,   A,     A]),
            (Action::Report,          [N,   N,      A,    A,   A,       A,     A,   A,     A]),
            (Action::Moderate,        [N,   N,      F,    A,   F,       A,     A,   A,     F]),
            (Action::Edit,            [N,   N,      A,    F,   A,       A,     F,   A,     A]),
            (Action::Publish,         [N,   N,      A,    F,   A,       A,     F,   A,     F]),
            (Action::Discuss,         [N,   N,      A,    A,   A,       A,     A,   A,     A]),
            (Action::ModerateDiscussion, [N, N,     A,    A,   A,       A,     A,   A,     A]),
        ];
        for (is_hidden, rows) in [(false, visible), (true, hidden)] {
            for (action, row) in rows {
                for (p, want) in PEOPLE.into_iter().zip(row) {
                    let (actor, facts) = who(p, is_hidden);
                    assert_eq!(
                        can(&actor, action, Resource::Course(&facts)),
                        want,
                        "{action:?} by {p:?} (hidden: {is_hidden})"
                    );
                }
            }
        }
        // The queue: site moderators and admins for the site; an organisation's
        // moderators and admins for it.
        for (actor, want) in [
            (Actor::ANONYMOUS, L),
            (Actor::user(STAFF, false), F),
            (Actor::user(STAFF, false).with_moderation(true), A),
            (Actor::user(ADMIN, true), A),
        ] {
            assert_eq!(
                can(&actor, Action::Moderate, Resource::Site),
                want,
                "{actor:?}"
            );
        }
        for (role, want) in [
            (None, F),
            (Some(OrgRole::Member), F),
            (Some(OrgRole::Reviewer), F),
            (Some(OrgRole::Moderator), A),
            (Some(OrgRole::Admin), A),
        ] {
            assert_eq!(
                can(
                    &Actor::user(STAFF, false),
                    Action::Moderate,
                    Resource::Org(&OrgFacts { role })
                ),
                want,
                "{role:?}"
            );
        }
        // A suspended person creates no course, even where they could.
        let suspended = Actor::user(STAFF, false).with_suspension(true);
        assert_eq!(
            can(
                &suspended,
                Action::CreateCourse,
                Resource::Org(&OrgFacts {
                    role: Some(OrgRole::Admin)
                })
            ),
            F
        );
    }

    /// Acting on people: nobody on themselves, moderators on ordinary people only, admins
    /// on anyone else. Reporting: anyone logged in, about anyone but themselves.
    #[test]
    fn people_moderation_matrix() {
        let person = |user, site_admin, moderator| PersonFacts {
            user,
            site_admin,
            moderator,
        };
        let ordinary = person(LEARNER, false, false);
        let a_moderator = person(OTHER, false, true);
        let an_admin = person(ADMIN, true, false);
        let other_admin = person(UserId(9), true, false);
        let moderator = Actor::user(STAFF, false).with_moderation(true);
        let admin = Actor::user(ADMIN, true);
        let learner = Actor::user(LEARNER, false);
        #[rustfmt::skip]
        let cases: [(Actor, PersonFacts, Decision, Decision); 10] = [
            // actor, target, report, moderate
            (Actor::ANONYMOUS, ordinary,    NeedLogin, NeedLogin),
            (learner,          ordinary,    Forbidden, Forbidden),
            (learner,          a_moderator, Allow,     Forbidden),
            (moderator,        ordinary,    Allow,     Allow),
            (moderator,        a_moderator, Allow,     Forbidden),
            (moderator,        an_admin,    Allow,     Forbidden),
            (moderator,        person(STAFF, false, true), Forbidden, Forbidden),
            (admin,            a_moderator, Allow,     Allow),
            (admin,            other_admin, Allow,     Allow),
            (admin,            an_admin,    Forbidden, Forbidden),
        ];
        for (actor, target, report, moderate) in cases {
            assert_eq!(can(&actor, Action::View, Resource::Person(&target)), Allow);
            assert_eq!(
                can(&actor, Action::Report, Resource::Person(&target)),
                report,
                "{actor:?} reports {target:?}"
            );
            assert_eq!(
                can(&actor, Action::Moderate, Resource::Person(&target)),
                moderate,
                "{actor:?} moderates {target:?}"
            );
        }
    }
}
