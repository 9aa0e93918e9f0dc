//! `import_failure`: an `Error` of kind import. A repeated one is major (see `failure`).

use super::failure::Failure;
use super::{Ctx, Detector, Fired};
use crate::core::input::{ErrorKind, Input};
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// The `import_failure` detector.
#[derive(Debug, Default)]
pub struct ImportFailure(Failure);

impl Detector for ImportFailure {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, fired: &mut Fired) {
        self.0.on_input(
            ErrorKind::Import,
            SignalKind::ImportFailure,
            ctx,
            now,
            input,
            fired,
        );
    }
}
