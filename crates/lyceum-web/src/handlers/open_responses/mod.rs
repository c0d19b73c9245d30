//! Open-response pages: what learners do (`learner`), what the course team does with
//! submissions (`staff`), and the block's settings (`settings`).

pub mod learner;
pub mod settings;
pub mod staff;
