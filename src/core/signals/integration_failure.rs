//! `integration_failure`: an `Error` of kind integration. A repeated one is major (see
//! `failure`).

use super::failure::Failure;
use super::{Ctx, Detector, Fired};
use crate::core::input::{ErrorKind, Input};
use crate::core::signal::SignalKind;
use crate::core::Millis;

/// The `integration_failure` detector.
#[derive(Debug, Default)]
pub struct IntegrationFailure(Failure);

impl Detector for IntegrationFailure {
    fn on_input(&mut self, ctx: &Ctx<'_>, now: Millis, input: &Input, fired: &mut Fired) {
        self.0.on_input(
            ErrorKind::Integration,
            SignalKind::IntegrationFailure,
            ctx,
            now,
            input,
            fired,
        );
    }
}
