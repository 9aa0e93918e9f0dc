//! Where a tip card goes: pure geometry, so it is tested without a browser layout.
//!
//! In the spirit of floating-ui's `flip` and `shift`: below the anchor, or above when only
//! that fits, then shifted along the edge to stay inside the viewport. Without a visible
//! anchor the card sits in the bottom corner on the inline-end side (mirrored in RTL).

/// Distance kept from the viewport edges and between the anchor and the card, CSS px.
pub(crate) const MARGIN: f64 = 8.0;

/// A rectangle in viewport coordinates, CSS px.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// Whether any part of it is on screen; zero-size rects (display:none) never are.
    pub(crate) fn visible_in(&self, vw: f64, vh: f64) -> bool {
        self.w > 0.0
            && self.h > 0.0
            && self.x < vw
            && self.x + self.w > 0.0
            && self.y < vh
            && self.y + self.h > 0.0
    }
}

/// Top-left corner of the card, whole CSS px.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spot {
    /// Left, px.
    pub x: i32,
    /// Top, px.
    pub y: i32,
}

/// Places a `w`×`h` card in a `vw`×`vh` viewport next to `anchor` (when it is on screen).
pub(crate) fn place(anchor: Option<Rect>, w: f64, h: f64, vw: f64, vh: f64, rtl: bool) -> Spot {
    let (x, y) = match anchor.filter(|a| a.visible_in(vw, vh)) {
        None => (if rtl { MARGIN } else { vw - w - MARGIN }, vh - h - MARGIN),
        Some(a) => {
            let below = a.y + a.h + MARGIN;
            let above = a.y - MARGIN - h;
            // Flip: below when it fits; above when only that fits; else the roomier side.
            let y = if below + h <= vh - MARGIN || (above < MARGIN && vh - below >= a.y) {
                below
            } else {
                above
            };
            // Align the card's inline-start edge with the anchor's.
            (if rtl { a.x + a.w - w } else { a.x }, y)
        }
    };
    Spot {
        x: clamp(x, vw - w - MARGIN),
        y: clamp(y, vh - h - MARGIN),
    }
}

/// Shift into `[MARGIN, max]`; the start edge wins when the card is larger than the room.
fn clamp(v: f64, max: f64) -> i32 {
    v.min(max).max(MARGIN) as i32
}
