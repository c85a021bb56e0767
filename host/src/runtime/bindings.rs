//! Host-side bindings generated from the one WIT definition in
//! `plugin-sdk/wit/`. `bindgen!` runs here and nowhere else.

wasmtime::component::bindgen!({
    path: "../plugin-sdk/wit",
    world: "plugin",
    imports: { default: trappable },
});

pub use linli::plugin::types;

/// The WIT package version this host speaks.
pub const WIT_PACKAGE: &str = "linli:plugin";
pub const WIT_VERSION: &str = "0.1.0";

// What crosses the boundary, converted here so that bindgen's types stay
// inside `runtime`: the layers below (the manifest, callers) never name them.

mod convert {
    use super::types;
    use crate::manifest::{Audience, Manifest, Page, Route};

    impl From<types::Audience> for Audience {
        fn from(a: types::Audience) -> Self {
            match a {
                types::Audience::Public => Audience::Public,
                types::Audience::Kiosk => Audience::Kiosk,
                types::Audience::Screen => Audience::Screen,
                types::Audience::Evaluator => Audience::Evaluator,
                types::Audience::Staff => Audience::Staff,
                types::Audience::Admin => Audience::Admin,
            }
        }
    }

    impl From<types::Manifest> for Manifest {
        fn from(m: types::Manifest) -> Self {
            Manifest {
                id: m.id,
                name_zh: m.name_zh,
                name_en: m.name_en,
                version: m.version,
                description: m.description,
                capabilities: m.capabilities,
                routes: m
                    .routes
                    .into_iter()
                    .map(|r| {
                        // The callable mark travels in `roles` (the WIT
                        // record keeps its shape); the host keeps it apart.
                        let callable = r.roles.iter().any(|role| role == crate::manifest::CALLABLE_MARK);
                        let roles = r.roles.into_iter().filter(|role| role != crate::manifest::CALLABLE_MARK).collect();
                        Route { method: r.method.to_ascii_uppercase(), path: r.path, audience: r.audience.into(), roles, callable }
                    })
                    .collect(),
                pages: m
                    .pages
                    .into_iter()
                    .map(|p| Page { path: p.path, title_zh: p.title_zh, title_en: p.title_en, audience: p.audience.into(), roles: p.roles })
                    .collect(),
                subscriptions: m.subscriptions,
                config_schema: m.config_schema,
                config_default: m.config_default,
            }
        }
    }

    /// The caller as a plugin sees it (never a token or password).
    pub trait ToWit {
        fn to_wit(&self) -> types::Caller;
    }

    impl ToWit for crate::auth::Caller {
        fn to_wit(&self) -> types::Caller {
            types::Caller {
                kind: self.kind_str().into(),
                id: self.id.clone(),
                name: self.name.clone(),
                // A device's kind stands in its roles (`kiosk`, `screen`,
                // `evaluator`): a plugin can tell the hall's kiosk from
                // a phone without a new field in the 0.1.0 record.
                roles: match &self.kind {
                    crate::auth::CallerKind::Device { device_kind } => vec![device_kind.clone()],
                    _ => self.roles.clone(),
                },
                window: self.window.clone(),
                lang: self.lang.clone(),
            }
        }
    }
}

pub use convert::ToWit;
