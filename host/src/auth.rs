//! Who is asking: staff sessions, device tokens, or nobody.
//!
//! The host resolves the caller from the request before any plugin runs and
//! hands the plugin only the verified result ([`Caller`]): never a password,
//! a session token or a device token.

pub mod devices;
pub mod grants;
pub mod sessions;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CallerKind {
    Anonymous,
    Staff,
    Device { device_kind: String },
}

/// The verified caller of one request.
#[derive(Debug, Clone, Serialize)]
pub struct Caller {
    #[serde(flatten)]
    pub kind: CallerKind,
    pub id: Option<String>,
    pub name: Option<String>,
    pub roles: Vec<String>,
    pub window: Option<String>,
    pub lang: String,
}

impl Caller {
    pub fn anonymous(lang: &str) -> Self {
        Caller { kind: CallerKind::Anonymous, id: None, name: None, roles: vec![], window: None, lang: lang.to_owned() }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.kind, CallerKind::Staff) && self.roles.iter().any(|r| r == "admin")
    }

    /// The caller as a plugin sees it (never a token or password).
    pub fn to_wit(&self) -> crate::runtime::bindings::types::Caller {
        crate::runtime::bindings::types::Caller {
            kind: self.kind_str().into(),
            id: self.id.clone(),
            name: self.name.clone(),
            roles: self.roles.clone(),
            window: self.window.clone(),
            lang: self.lang.clone(),
        }
    }

    pub fn kind_str(&self) -> &'static str {
        match self.kind {
            CallerKind::Anonymous => "anonymous",
            CallerKind::Staff => "staff",
            CallerKind::Device { .. } => "device",
        }
    }
}

/// Staff roles the host knows.
pub const ROLES: &[&str] = &["admin", "supervisor", "clerk", "guide", "editor", "maintainer", "volunteer"];
