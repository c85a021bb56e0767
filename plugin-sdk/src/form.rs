//! A form's optional text field and its phone field, each refused with a
//! 422 naming the field (the text checks themselves are [`crate::input`]'s):
//! a blank optional field is `None`; a phone is read in one form, so
//! `138 0013 8000`, `+86 13800138000` and `138-0013-8000` are one resident.
//!
//! ```
//! use linli_sdk::form;
//! assert_eq!(form::optional("note", "备注", Some("  "), 200).unwrap(), None);
//! assert_eq!(form::optional("note", "备注", Some(" 下午来 "), 200).unwrap().as_deref(), Some("下午来"));
//! assert_eq!(form::phone("phone", "+86 138-0013-8000").unwrap(), "13800138000");
//! ```

use crate::Fail;

/// An optional one-line text: `None` when absent or blank, else checked
/// as [`crate::input::text`] (length, control characters) and trimmed.
pub fn optional(field: &str, label_zh: &str, value: Option<&str>, max: usize) -> Result<Option<String>, Fail> {
    let v = crate::input::text(field, label_zh, value.unwrap_or(""), max, false)?;
    Ok(if v.is_empty() { None } else { Some(v) })
}

/// A phone in one form ([`crate::normalise::phone`]), or a 422
/// `phone_invalid` naming `field`.
pub fn phone(field: &str, value: &str) -> Result<String, Fail> {
    let bad = || Fail::field(422, "phone_invalid", field, "手机号码格式不对，请填写 11 位手机号", "not a phone number; enter the 11-digit mobile number");
    if value.chars().count() > 40 {
        return Err(bad());
    }
    crate::normalise::phone(value).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    #[test]
    fn blank_is_none_and_each_refusal_names_the_field() {
        assert_eq!(super::optional("note", "备注", None, 10).unwrap(), None);
        match super::optional("note", "备注", Some(&"x".repeat(100_000)), 10) {
            Err(crate::Fail::Field(422, _, field, zh, _)) => assert!(field == "note" && zh.contains("备注"), "{zh}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(super::optional("note", "备注", Some("a\nb"), 10), Err(crate::Fail::Field(422, _, _, _, _))));
        assert_eq!(super::phone("phone", "138 0013 8000").unwrap(), super::phone("phone", "+86 13800138000").unwrap());
        assert!(matches!(super::phone("phone", "call me"), Err(crate::Fail::Field(422, "phone_invalid", _, _, _))));
    }
}
