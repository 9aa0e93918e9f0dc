//! Which tip shows when: triggers, frequency, caps and priority.
