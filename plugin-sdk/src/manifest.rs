//! Building the manifest a plugin declares.

use crate::bindings::linli::plugin::types as wit;

/// Who a route or page is for; the host checks it before the plugin runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone, signed in or not.
    Public,
    /// A registered kiosk.
    Kiosk,
    /// A registered signage screen.
    Screen,
    /// A registered window evaluator tablet.
    Evaluator,
    /// Signed-in staff (narrow it with [`Route::roles`]).
    Staff,
    /// Administrators.
    Admin,
}

impl Audience {
    fn into_wit(self) -> wit::Audience {
        match self {
            Audience::Public => wit::Audience::Public,
            Audience::Kiosk => wit::Audience::Kiosk,
            Audience::Screen => wit::Audience::Screen,
            Audience::Evaluator => wit::Audience::Evaluator,
            Audience::Staff => wit::Audience::Staff,
            Audience::Admin => wit::Audience::Admin,
        }
    }
}

/// One HTTP route.
#[derive(Debug, Clone)]
pub struct Route {
    method: String,
    path: String,
    audience: Audience,
    roles: Vec<String>,
    callable: bool,
}

/// How a callable route is marked in the manifest: a reserved entry in the
/// route's `roles` (the WIT record keeps its shape, so plugins built before
/// it still load). The host takes it out; no role name starts with `@`.
const CALLABLE_MARK: &str = "@callable";

impl Route {
    /// A route for `method` (GET, POST, PUT, PATCH, DELETE) and `path`
    /// (with `{name}` segments).
    pub fn new(method: &str, path: &str, audience: Audience) -> Self {
        Route { method: method.to_owned(), path: path.to_owned(), audience, roles: vec![], callable: false }
    }
    /// `GET path`.
    pub fn get(path: &str, audience: Audience) -> Self {
        Self::new("GET", path, audience)
    }
    /// `POST path`.
    pub fn post(path: &str, audience: Audience) -> Self {
        Self::new("POST", path, audience)
    }
    /// `DELETE path`.
    pub fn delete(path: &str, audience: Audience) -> Self {
        Self::new("DELETE", path, audience)
    }
    /// Only staff holding one of these roles (admins always pass).
    pub fn roles(mut self, roles: &[&str]) -> Self {
        self.roles = roles.iter().map(|s| s.to_string()).collect();
        self
    }
    /// Other plugins may call this route (capability `services`), along a
    /// link an admin allowed. Called on behalf of a person, the audience
    /// and roles are checked against that person; called by a plugin as
    /// itself, the link is the permission.
    pub fn callable(mut self) -> Self {
        self.callable = true;
        self
    }
}

/// A page listed in the navigation of the shared page shell.
#[derive(Debug, Clone)]
pub struct Page {
    path: String,
    title_zh: String,
    title_en: String,
    audience: Audience,
    roles: Vec<String>,
}

impl Page {
    /// A page served by the GET route `path`.
    pub fn new(path: &str, title_zh: &str, title_en: &str, audience: Audience) -> Self {
        Page { path: path.into(), title_zh: title_zh.into(), title_en: title_en.into(), audience, roles: vec![] }
    }
    /// Only staff holding one of these roles see it.
    pub fn roles(mut self, roles: &[&str]) -> Self {
        self.roles = roles.iter().map(|s| s.to_string()).collect();
        self
    }
}

/// What a plugin is, needs and serves.
#[derive(Debug, Clone)]
pub struct Manifest {
    id: String,
    name_zh: String,
    name_en: String,
    version: String,
    description: String,
    capabilities: Vec<String>,
    routes: Vec<Route>,
    pages: Vec<Page>,
    subscriptions: Vec<String>,
    config_schema: String,
    config_default: String,
}

impl Manifest {
    /// A manifest with an id (`[a-z][a-z0-9-]*`), names and a version.
    pub fn new(id: &str, name_zh: &str, name_en: &str, version: &str) -> Self {
        Manifest {
            id: id.into(),
            name_zh: name_zh.into(),
            name_en: name_en.into(),
            version: version.into(),
            description: String::new(),
            capabilities: vec![],
            routes: vec![],
            pages: vec![],
            subscriptions: vec![],
            config_schema: String::new(),
            config_default: String::new(),
        }
    }
    /// A one-line description.
    pub fn description(mut self, d: &str) -> Self {
        self.description = d.into();
        self
    }
    /// Ask for a capability: `kv`, `sql`, `events`, `clock`, `log`, `config`.
    pub fn capability(mut self, c: &str) -> Self {
        self.capabilities.push(c.into());
        self
    }
    /// Serve a route.
    pub fn route(mut self, r: Route) -> Self {
        self.routes.push(r);
        self
    }
    /// List a page in the navigation.
    pub fn page(mut self, p: Page) -> Self {
        self.pages.push(p);
        self
    }
    /// Receive events whose topic matches (`queue.*`).
    pub fn subscribe(mut self, topic: &str) -> Self {
        self.subscriptions.push(topic.into());
        self
    }
    /// The configuration's JSON Schema and default value.
    pub fn config(mut self, schema: serde_json::Value, default: serde_json::Value) -> Self {
        self.config_schema = schema.to_string();
        self.config_default = default.to_string();
        self
    }

    pub(crate) fn into_wit(self) -> wit::Manifest {
        wit::Manifest {
            id: self.id,
            name_zh: self.name_zh,
            name_en: self.name_en,
            version: self.version,
            description: self.description,
            capabilities: self.capabilities,
            routes: self
                .routes
                .into_iter()
                .map(|r| {
                    let mut roles = r.roles;
                    if r.callable {
                        roles.push(CALLABLE_MARK.to_owned());
                    }
                    wit::Route { method: r.method, path: r.path, audience: r.audience.into_wit(), roles }
                })
                .collect(),
            pages: self
                .pages
                .into_iter()
                .map(|p| wit::Page { path: p.path, title_zh: p.title_zh, title_en: p.title_en, audience: p.audience.into_wit(), roles: p.roles })
                .collect(),
            subscriptions: self.subscriptions,
            config_schema: self.config_schema,
            config_default: self.config_default,
        }
    }
}
