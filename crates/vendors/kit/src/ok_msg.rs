//! The answer dialect of 拇指云's APIs (tel3, sfz2): `{"ok":1,"msg":…}` with a verdict field
//! on HTTP 200 (billed), `{"ok":0,"msg":…}` on HTTP 666 (not billed), and a catalogue of the
//! documented messages. The seeds: "OK字段值可能为0或其他非1的值", so every `ok` other than 1
//! is a failure. Each crate keeps its wire struct, its catalogue and how its verdict field
//! reads; this module holds the rest.

use shiming_core::{ErrorKind, Outcome, Verdict, Verification};

use crate::{message_matches, scrub, Call};

/// One documented message of a 拇指云 API.
///
/// ```
/// use shiming_core::{Outcome, Verdict};
/// use shiming_vendor_kit::ok_msg::MessageEntry;
/// const E: MessageEntry = MessageEntry::verdict("校验通过", Verdict::Match, None, "the three elements match");
/// assert_eq!((E.ok, E.outcome), (1, Outcome::Verdict(Verdict::Match)));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageEntry {
    /// The documented `ok`: `1` (HTTP 200, billed) or `0` (HTTP 666, not billed).
    pub ok: u8,
    /// The documented `msg`, exactly; `XXXXXXX` stands for a variable part.
    pub msg: &'static str,
    /// What it means.
    pub outcome: Outcome,
    /// For verdicts, the finer reason kept in [`Verification::detail`] (snake_case).
    pub detail: Option<&'static str>,
    /// A short English meaning, used in error messages.
    pub meaning: &'static str,
}

impl MessageEntry {
    /// A message of an `ok:1` answer: a verdict, with its finer reason.
    ///
    /// ```
    /// use shiming_vendor_kit::ok_msg::MessageEntry;
    /// let e = MessageEntry::verdict("运营商不存在记录", shiming_core::Verdict::NoRecord, Some("no_carrier_record"), "no record");
    /// assert_eq!(e.detail, Some("no_carrier_record"));
    /// ```
    #[must_use]
    pub const fn verdict(
        msg: &'static str,
        verdict: Verdict,
        detail: Option<&'static str>,
        meaning: &'static str,
    ) -> MessageEntry {
        MessageEntry {
            ok: 1,
            msg,
            outcome: Outcome::Verdict(verdict),
            detail,
            meaning,
        }
    }

    /// A message of an `ok:0` answer: a failure of `kind`.
    ///
    /// ```
    /// use shiming_core::ErrorKind;
    /// use shiming_vendor_kit::ok_msg::MessageEntry;
    /// let e = MessageEntry::failure("手机号码有误", ErrorKind::InvalidInput, "bad mobile");
    /// assert_eq!(e.ok, 0);
    /// ```
    #[must_use]
    pub const fn failure(
        msg: &'static str,
        kind: ErrorKind,
        meaning: &'static str,
    ) -> MessageEntry {
        MessageEntry {
            ok: 0,
            msg,
            outcome: Outcome::Error(kind),
            detail: None,
            meaning,
        }
    }
}

/// The failure-table rows of 拇指云's own platform (its `appid` / `sendtime` / `sign`
/// scheme), listed by both 拇指云 APIs although the marketplace API does not use that scheme
/// (vendor-apis.md): [`ErrorKind::Unauthorized`], so that they are recognised should they
/// ever appear. [`find`] reads them after a crate's own catalogue.
///
/// ```
/// use shiming_vendor_kit::ok_msg::PLATFORM_MESSAGES;
/// assert!(PLATFORM_MESSAGES.iter().any(|e| e.msg == "签名校验失败"));
/// ```
pub const PLATFORM_MESSAGES: &[MessageEntry] = &[
    MessageEntry::failure(
        "未传入开发者账号appid",
        ErrorKind::Unauthorized,
        "vendor platform only: the appid is missing",
    ),
    MessageEntry::failure(
        "传入开发者账号appid字符串长度超限",
        ErrorKind::Unauthorized,
        "vendor platform only: the appid is too long",
    ),
    MessageEntry::failure(
        "未传入查询时间sendtime",
        ErrorKind::Unauthorized,
        "vendor platform only: the sendtime is missing",
    ),
    MessageEntry::failure(
        "传入查询时间sendtime字符串长度超限",
        ErrorKind::Unauthorized,
        "vendor platform only: the sendtime is too long",
    ),
    MessageEntry::failure(
        "时间戳超时，请重新请求",
        ErrorKind::Unauthorized,
        "vendor platform only: the sendtime is more than 5 minutes off",
    ),
    MessageEntry::failure(
        "未传入签名sign",
        ErrorKind::Unauthorized,
        "vendor platform only: the sign is missing",
    ),
    MessageEntry::failure(
        "传入签名sign字符串长度超限",
        ErrorKind::Unauthorized,
        "vendor platform only: the sign is too long",
    ),
    MessageEntry::failure(
        "签名校验失败",
        ErrorKind::Unauthorized,
        "vendor platform only: the signature does not verify",
    ),
    MessageEntry::failure(
        "appid:XXXXXXX接口已停用",
        ErrorKind::Unauthorized,
        "vendor platform only: this developer account was stopped",
    ),
];

/// The entry of `catalogue`, or else of [`PLATFORM_MESSAGES`], whose message matches `msg` ([`message_matches`]: `XXXXXXX`
/// stands for a variable part). `msg` is compared as given: trim or fold it first.
///
/// ```
/// use shiming_core::ErrorKind;
/// use shiming_vendor_kit::ok_msg::{find, MessageEntry};
/// const C: &[MessageEntry] = &[MessageEntry::failure("卡号XXXXXXX停用", ErrorKind::Unauthorized, "stopped")];
/// assert!(find(C, "卡号abc停用").is_some());
/// assert_eq!(find(&[], "签名校验失败").map(|e| e.outcome), Some(shiming_core::Outcome::Error(ErrorKind::Unauthorized)));
/// assert!(find(C, "other").is_none());
/// ```
#[must_use]
pub fn find(catalogue: &'static [MessageEntry], msg: &str) -> Option<&'static MessageEntry> {
    catalogue
        .iter()
        .chain(PLATFORM_MESSAGES)
        .find(|e| message_matches(e.msg, msg))
}

/// An `ok:1` answer, read so far: its message and catalogue entry. Made by [`accept`].
#[derive(Debug)]
pub struct Accepted<'a> {
    call: Call<'a>,
    msg: &'a str,
    entry: Option<&'static MessageEntry>,
}

/// The shared part of reading a 拇指云 answer: `ok` missing is
/// [`ErrorKind::MalformedAnswer`]; `ok` other than 1 is the catalogued failure of `msg`
/// (unknown: [`ErrorKind::VendorFault`] keeping the scrubbed message, or `ok=N` without
/// one) with the message as vendor code; `ok` 1 is [`Accepted`], from which the crate reads
/// its verdict field. `msg` is the trimmed message and `entry` its catalogue entry.
///
/// ```
/// use http::StatusCode;
/// use shiming_core::{ErrorKind, Verdict};
/// use shiming_vendor_kit::{ok_msg, replay, Call};
/// let answer = replay(StatusCode::from_u16(666).unwrap(), b"{}", shiming_core::Billing::NotBilled, None);
/// let e = ok_msg::accept(Call::of("tel3", &answer), Some(0), "新消息", None).unwrap_err();
/// assert_eq!((e.kind(), e.message()), (ErrorKind::VendorFault, "unknown tel3 failure (新消息)"));
/// let answer = replay(StatusCode::OK, b"{}", shiming_core::Billing::Billed, None);
/// let accepted = ok_msg::accept(Call::of("tel3", &answer), Some(1), "", None).unwrap();
/// assert_eq!(accepted.verification(Verdict::Match, "1").vendor_code.as_deref(), Some("1"));
/// ```
///
/// # Errors
/// The failure the answer says, or that `ok` is missing.
pub fn accept<'a>(
    call: Call<'a>,
    ok: Option<i64>,
    msg: &'a str,
    entry: Option<&'static MessageEntry>,
) -> Result<Accepted<'a>, shiming_core::Error> {
    let Some(ok) = ok else {
        return Err(call.malformed("ok", "the field is missing"));
    };
    if ok == 1 {
        return Ok(Accepted { call, msg, entry });
    }
    let (kind, meaning) = match entry {
        Some(MessageEntry {
            outcome: Outcome::Error(kind),
            meaning,
            ..
        }) => (*kind, (*meaning).to_string()),
        _ => (
            ErrorKind::VendorFault,
            format!("unknown {} failure", call.vendor()),
        ),
    };
    if msg.is_empty() {
        let code = format!("ok={ok}");
        return Err(call.error(kind, format!("{meaning} ({code}, no msg)"), Some(&code)));
    }
    let shown = shown_message(msg, entry);
    Err(call.error(kind, format!("{meaning} ({shown})"), Some(&shown)))
}

/// A catalogued message as sent; any other scrubbed.
fn shown_message(msg: &str, entry: Option<&MessageEntry>) -> String {
    match entry {
        Some(_) => msg.to_string(),
        None => scrub(msg),
    }
}

impl Accepted<'_> {
    /// The catalogue entry of the message, if it is documented.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ok_msg, replay, Call};
    /// let answer = replay(http::StatusCode::OK, b"{}", shiming_core::Billing::Billed, None);
    /// assert!(ok_msg::accept(Call::of("sfz2", &answer), Some(1), "x", None).unwrap().entry().is_none());
    /// ```
    #[must_use]
    pub fn entry(&self) -> Option<&'static MessageEntry> {
        self.entry
    }

    /// The message fit to show: as sent when catalogued, otherwise scrubbed.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ok_msg, replay, Call};
    /// let answer = replay(http::StatusCode::OK, b"{}", shiming_core::Billing::Billed, None);
    /// let accepted = ok_msg::accept(Call::of("tel3", &answer), Some(1), "号码13957120001不对", None).unwrap();
    /// assert_eq!(accepted.shown_message(), "号码***********不对");
    /// ```
    #[must_use]
    pub fn shown_message(&self) -> String {
        shown_message(self.msg, self.entry)
    }

    /// The call this answer belongs to.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ok_msg, replay, Call};
    /// let answer = replay(http::StatusCode::OK, b"{}", shiming_core::Billing::Billed, None);
    /// let accepted = ok_msg::accept(Call::of("sfz2", &answer), Some(1), "", None).unwrap();
    /// assert_eq!(accepted.call().vendor(), "sfz2");
    /// ```
    #[must_use]
    pub fn call(&self) -> Call<'_> {
        self.call
    }

    /// The verification of `verdict`: the verdict field's value `vendor_code`, the message
    /// as vendor message (catalogued as sent, otherwise scrubbed), the entry's detail when the
    /// entry is this verdict's, the call's billing and request id.
    ///
    /// ```
    /// use shiming_core::Verdict;
    /// use shiming_vendor_kit::ok_msg::{accept, MessageEntry};
    /// use shiming_vendor_kit::{replay, Call};
    /// static WRONG_ID: MessageEntry = MessageEntry::verdict("错误的身份证证件", Verdict::Mismatch, Some("wrong_id_card"), "wrong id");
    /// let answer = replay(http::StatusCode::OK, b"{}", shiming_core::Billing::Billed, Some("r-1"));
    /// let accepted = accept(Call::of("tel3", &answer), Some(1), "错误的身份证证件", Some(&WRONG_ID)).unwrap();
    /// let v = accepted.verification(Verdict::Mismatch, "0");
    /// assert_eq!((v.detail.as_deref(), v.vendor_message.as_deref()), (Some("wrong_id_card"), Some("错误的身份证证件")));
    /// assert_eq!(accepted.verification(Verdict::Match, "1").detail, None);
    /// ```
    #[must_use]
    pub fn verification(&self, verdict: Verdict, vendor_code: &str) -> Verification {
        let mut v = self
            .call
            .verification(verdict)
            .with_vendor_code(vendor_code);
        if !self.msg.is_empty() {
            v = v.with_vendor_message(self.shown_message());
        }
        let detail = self
            .entry
            .filter(|e| e.outcome == Outcome::Verdict(verdict))
            .and_then(|e| e.detail);
        match detail {
            Some(detail) => v.with_detail(detail),
            None => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The platform rows of the failure tables of seeds 000 (tel3) and 003 (sfz2), the same
    /// in both (the trailing `key` of the cells is extraction debris).
    const SEED_PLATFORM_ROWS: [&str; 9] = [
        "未传入开发者账号appid",
        "传入开发者账号appid字符串长度超限",
        "未传入查询时间sendtime",
        "传入查询时间sendtime字符串长度超限",
        "时间戳超时，请重新请求",
        "未传入签名sign",
        "传入签名sign字符串长度超限",
        "签名校验失败",
        "appid:XXXXXXX接口已停用",
    ];

    #[test]
    fn the_platform_rows_are_the_seeds_and_unauthorized() {
        assert_eq!(PLATFORM_MESSAGES.len(), SEED_PLATFORM_ROWS.len());
        for msg in SEED_PLATFORM_ROWS {
            let entry = find(&[], msg).unwrap_or_else(|| panic!("{msg}"));
            assert_eq!(entry.msg, msg);
            assert_eq!(
                (entry.ok, entry.outcome),
                (0, Outcome::Error(ErrorKind::Unauthorized))
            );
        }
        assert!(
            find(&[], "appid:x1接口已停用").is_some(),
            "the variable part"
        );
    }

    #[test]
    fn a_crates_own_entry_comes_first() {
        static OWN: [MessageEntry; 1] = [MessageEntry::failure(
            "签名校验失败",
            ErrorKind::InvalidInput,
            "own",
        )];
        assert_eq!(find(&OWN, "签名校验失败").map(|e| e.meaning), Some("own"));
    }
}
