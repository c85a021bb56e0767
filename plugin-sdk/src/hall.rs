//! The hall's own information (大厅信息): its name, the public address
//! residents' phones reach and a service phone, set once by an admin on
//! the host's `/admin/host/hall` page. No capability is needed.
//!
//! A plugin's own setting of the same thing is an override, empty meaning
//! "the hall's":
//!
//! ```
//! let hall = linli_sdk::hall::info();
//! let own = "";
//! let base = linli_sdk::hall::public_url_or(own);
//! // Natively, as here, there is no host: nothing is set.
//! assert_eq!(hall.public_url, None);
//! assert_eq!(base, "");
//! ```

/// What an admin set (see the module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HallInfo {
    /// 大厅名称; empty when not set.
    pub name: String,
    /// `http(s)://host[:port]`, no trailing `/`: append a path to it.
    pub public_url: Option<String>,
    /// 服务电话.
    pub phone: Option<String>,
}

/// The hall's information as an admin last saved it (everything empty
/// outside a host, e.g. in a plugin's native unit tests).
pub fn info() -> HallInfo {
    #[cfg(target_arch = "wasm32")]
    {
        let h = crate::bindings::linli::plugin::hall::info();
        HallInfo { name: h.name, public_url: h.public_url, phone: h.phone }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        HallInfo::default()
    }
}

/// The public address to put in front of a QR code's path: the plugin's
/// own override when set, else the hall's, else empty (a path alone).
/// Without a trailing `/`.
pub fn public_url_or(own: &str) -> String {
    let own = own.trim().trim_end_matches('/');
    if !own.is_empty() {
        return own.to_owned();
    }
    info().public_url.unwrap_or_default()
}

/// The hall's name: the plugin's own override when set, else the hall's
/// (empty when neither is set).
pub fn name_or(own: &str) -> String {
    let own = own.trim();
    if !own.is_empty() {
        return own.to_owned();
    }
    info().name
}
