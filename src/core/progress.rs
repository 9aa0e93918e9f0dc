//! Weighted onboarding progress.
