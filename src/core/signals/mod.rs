//! One module per signal, each with the same shape (see [`Detector`]).
