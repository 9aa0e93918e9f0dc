//! Minor and major struggle.
