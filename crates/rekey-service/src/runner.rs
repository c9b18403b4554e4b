//! What the operations need of the rotation runtime. The runtime (the
//! engine, the scheduler, the executors) lives in `rekey-rotation`, which
//! depends on this crate; the operations reach it only through this trait.

use rekey_model::name::AccountId;
use std::future::Future;
use std::pin::Pin;

/// The rotation runtime as the operations see it.
pub trait RotationRunner: Send + Sync {
    /// Whether `function` (a function ARN or a built-in rotator's name) is
    /// configured for `account`'s secrets.
    fn has_function(&self, function: &str, account: &AccountId) -> bool;

    /// A rotation job was recorded or became due: run it soon.
    fn wake(&self);

    /// The clock moved: the scheduler looks at once. Done when it has
    /// started what is due by the new time (or after a few seconds, should
    /// no scheduler run).
    fn clock_moved(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(std::future::ready(()))
    }
}

/// No rotation runtime: no functions, nothing to wake (a service built
/// without one, as in tests of the operations alone).
#[derive(Debug, Default)]
pub struct NoRunner;

impl RotationRunner for NoRunner {
    fn has_function(&self, _function: &str, _account: &AccountId) -> bool {
        false
    }

    fn wake(&self) {}
}
