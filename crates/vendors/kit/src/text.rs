//! Vendor text: scrubbed before it goes into an error message or a [`shiming_core::Verification`],
//! matched against catalogued messages, and vendor echoes of personal values kept only when
//! really masked.

use shiming_core::Verification;

/// Runs of at least this many digits in vendor text are masked by [`scrub`]: an ID number (15
/// or 18), a mobile (11) or a bank card is always longer; vendor codes (`10015`, `205`) are
/// shorter.
pub const SCRUB_MIN_DIGIT_RUN: usize = 6;

/// At most this many characters of vendor text are kept by [`scrub`] (then `…`).
pub const SCRUB_MAX_CHARS: usize = 80;

/// Vendor text made fit for an error message or a [`shiming_core::Verification`] — the one
/// rule every vendor crate applies: surrounding whitespace trimmed, control characters turned
/// into spaces, every run of [`SCRUB_MIN_DIGIT_RUN`] or more digits (with an ID number's
/// trailing check letter `X`) masked with `*` — an ID number or mobile echoed by the vendor
/// never reaches a message — and at most [`SCRUB_MAX_CHARS`] characters kept (then `…`).
///
/// ```
/// use shiming_vendor_kit::scrub;
/// assert_eq!(scrub("号码13957120001不对\n"), "号码***********不对");
/// assert_eq!(scrub("sfz 33010619880516071X"), "sfz ******************");
/// assert_eq!(scrub("code 10015"), "code 10015");
/// assert_eq!(scrub("a\tb"), "a b");
/// assert_eq!(scrub(&"长".repeat(200)).chars().count(), 81);
/// ```
#[must_use]
pub fn scrub(text: &str) -> String {
    scrub_with(text, SCRUB_MIN_DIGIT_RUN, SCRUB_MAX_CHARS)
}

/// A vendor's own reference for a call (`traceId`, `seqNo`) fit for a message: not personal
/// data, so its digits are kept whole for support tickets; control characters become spaces
/// and at most 64 characters are kept (then `…`).
///
/// ```
/// use shiming_vendor_kit::vendor_reference;
/// assert_eq!(vendor_reference("20201208001535_9a45ph\n"), "20201208001535_9a45ph");
/// assert_eq!(vendor_reference(&"x".repeat(100)).chars().count(), 65);
/// ```
#[must_use]
pub fn vendor_reference(text: &str) -> String {
    scrub_with(text, usize::MAX, 64)
}

fn scrub_with(text: &str, min_digit_run: usize, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let len = run.chars().count();
        if len >= min_digit_run {
            out.extend(std::iter::repeat('*').take(len));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.trim().chars() {
        if c.is_ascii_digit() || (!run.is_empty() && (c == 'X' || c == 'x')) {
            run.push(c);
            continue;
        }
        flush(&mut run, &mut out);
        out.push(if c.is_control() { ' ' } else { c });
    }
    flush(&mut run, &mut out);
    match out.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &out[..at]),
        None => out,
    }
}

/// The placeholder for the variable part of a catalogued vendor message (拇指云 documents
/// `appid:XXXXXXX接口已停用`).
pub const MESSAGE_WILDCARD: &str = "XXXXXXX";

/// Whether a vendor message matches a catalogued `pattern`: equal, or — when the pattern holds
/// [`MESSAGE_WILDCARD`] — same head and tail around a non-empty middle.
///
/// ```
/// use shiming_vendor_kit::message_matches;
/// assert!(message_matches("手机号码有误", "手机号码有误"));
/// assert!(message_matches("appid:XXXXXXX接口已停用", "appid:abc123接口已停用"));
/// assert!(!message_matches("appid:XXXXXXX接口已停用", "appid:接口已停用"));
/// ```
#[must_use]
pub fn message_matches(pattern: &str, msg: &str) -> bool {
    match pattern.split_once(MESSAGE_WILDCARD) {
        Some((head, tail)) => {
            msg.len() > head.len() + tail.len() && msg.starts_with(head) && msg.ends_with(tail)
        }
        None => pattern == msg,
    }
}

/// A shiming-core masking function, such as [`shiming_core::mask::mask_id`].
pub type Masker = fn(&str) -> String;

/// Whether a vendor's echo of a personal value is really masked: it holds `*` and shows no
/// more characters (anything but `*`, surrounding whitespace ignored) than `mask_with` (a
/// shiming-core masking function) leaves visible of a value as long as the echo — at most
/// one character of a name, four and two of an ID number, three and four of a mobile. Every
/// documented vendor masking shows no more (`李****`, `3505******12`, `15956*******7`,
/// `51*****1111`, `18*****000`); a full value with a `*` added (`13800138000*`) does.
///
/// ```
/// use shiming_core::mask::{mask_id, mask_mobile, mask_name};
/// use shiming_vendor_kit::echo_is_masked;
/// assert!(echo_is_masked("15956*******7", mask_mobile));
/// assert!(echo_is_masked("51*****1111", mask_id));
/// assert!(echo_is_masked("李****", mask_name));
/// assert!(!echo_is_masked("13800138000", mask_mobile));
/// assert!(!echo_is_masked("13800138000*", mask_mobile));
/// assert!(!echo_is_masked("*33010619880516071X", mask_id));
/// assert!(!echo_is_masked("陈思*", mask_name));
/// ```
#[must_use]
pub fn echo_is_masked(value: &str, mask_with: Masker) -> bool {
    let value = value.trim();
    let length = value.chars().count();
    let visible = value.chars().filter(|&c| c != '*').count();
    // What shiming-core's own mask keeps of a value this long.
    let kept = mask_with(&"0".repeat(length))
        .chars()
        .filter(|&c| c != '*')
        .count();
    visible < length && visible <= kept
}

/// A vendor's echo of a personal value: kept as sent (surrounding whitespace trimmed) when
/// the vendor really masked it ([`echo_is_masked`]), otherwise masked here with `mask_with`
/// (a shiming-core masking function), so that a vendor that echoes in clear — or stars only
/// a character or two — never puts a full value into a `Verification`.
///
/// ```
/// use shiming_core::mask::mask_mobile;
/// use shiming_vendor_kit::masked_echo;
/// assert_eq!(masked_echo("15956*******7", mask_mobile), "15956*******7");
/// assert_eq!(masked_echo("13800138000", mask_mobile), "138****8000");
/// assert_eq!(masked_echo("13800138000*", mask_mobile), "138*****000*");
/// ```
#[must_use]
pub fn masked_echo(value: &str, mask_with: Masker) -> String {
    let value = value.trim();
    if echo_is_masked(value, mask_with) {
        value.to_string()
    } else {
        mask_with(value)
    }
}

/// `v` with the vendor's echoes of personal values as extras, each under its wire name: the
/// non-blank ones, through [`masked_echo`] with its masking function.
///
/// ```
/// use shiming_core::{mask, Billing, Verdict, Verification};
/// use shiming_vendor_kit::with_masked_echoes;
/// let v = Verification::new(Verdict::Match, "tel3", Billing::Billed);
/// let v = with_masked_echoes(v, [("mob", Some("13800138000"), mask::mask_mobile as _), ("xm", Some(" "), mask::mask_name)]);
/// assert_eq!((v.extra("mob"), v.extra("xm")), (Some("138****8000"), None));
/// ```
#[must_use]
pub fn with_masked_echoes<const N: usize>(
    mut v: Verification,
    echoes: [(&'static str, Option<&str>, Masker); N],
) -> Verification {
    for (name, value, mask_with) in echoes {
        if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
            v = v.with_extra(name, masked_echo(value, mask_with));
        }
    }
    v
}
