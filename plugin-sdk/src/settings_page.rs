//! A plugin's settings page, drawn from the settings in force and a
//! description of its fields, so a plugin writes no form script of its own
//! (jobs and activities helper, session 8). The plugin serves [`SCRIPT`]
//! among its assets and puts [`body`] in its admin page; saving goes to its
//! `POST /api/<id>/config` ([`crate::settings::change`]), each problem shown
//! beside its field (or, for a part of one, beside the nearest field or
//! list holding it). Fields: text, number (with bounds), yes/no, time, and
//! a list typed with commas; lists of rows may hold lists of their own
//! ([`List::list`]: an item's time slots), start new rows from given values
//! and offer rows from a [`Catalogue`]; [`body_sections`] puts the plain
//! fields in several titled cards. Used by jobs, activities, parcels,
//! housekeeping, seniors, volunteers, feedback and appointments (session 8).
//!
//! ```ignore
//! // ASSETS: &[("settings.js", linli_sdk::settings_page::SCRIPT), …]
//! let form = settings_page::body(lang, "/api/jobs/config", "/jobs/assets/settings.js", Config::from_json,
//!     &[settings_page::List::new("categories", "类别", "Categories").field(settings_page::Field::text("code", "类别编号", "Code", "…", "…"))],
//!     &[settings_page::Field::number("max_days", "最长发布天数", "Longest a posting runs", "1 至 365。", "1 to 365.")])?;
//! Ok(Response::page(title, format!("<section class=\"card\"><h1>…</h1></section>{form}")))
//! ```

use crate::settings::Problem;
use crate::store::HostError;
use crate::{json_block, t};
use serde_json::{Value, json};

/// The form's script (serve it from the plugin's assets route).
pub const SCRIPT: &str = include_str!("settings_page.js");

/// One input: its key (a dotted path for a plain field: `deadlines.complaint`),
/// its kind (`text`, `number`, `checkbox`, `list`), a label and a line of
/// help in both languages, and for a number its bounds.
#[derive(Debug, Clone)]
pub struct Field {
    key: String,
    kind: &'static str,
    label: (String, String),
    help: (String, String),
    bounds: (Option<i64>, Option<i64>),
}

impl Field {
    fn new(kind: &'static str, key: &str, label_zh: &str, label_en: &str, help_zh: &str, help_en: &str) -> Field {
        Field { key: key.into(), kind, label: (label_zh.into(), label_en.into()), help: (help_zh.into(), help_en.into()), bounds: (None, None) }
    }
    /// A text field.
    pub fn text(key: &str, label_zh: &str, label_en: &str, help_zh: &str, help_en: &str) -> Field {
        Field::new("text", key, label_zh, label_en, help_zh, help_en)
    }
    /// A number field.
    pub fn number(key: &str, label_zh: &str, label_en: &str, help_zh: &str, help_en: &str) -> Field {
        Field::new("number", key, label_zh, label_en, help_zh, help_en)
    }
    /// A yes/no field.
    pub fn checkbox(key: &str, label_zh: &str, label_en: &str, help_zh: &str, help_en: &str) -> Field {
        Field::new("checkbox", key, label_zh, label_en, help_zh, help_en)
    }
    /// A time of day (`HH:MM`).
    pub fn time(key: &str, label_zh: &str, label_en: &str, help_zh: &str, help_en: &str) -> Field {
        Field::new("time", key, label_zh, label_en, help_zh, help_en)
    }
    /// A list of words typed in one line, separated by commas (，、, ; or
    /// spaces), sent as an array of strings.
    pub fn list(key: &str, label_zh: &str, label_en: &str, help_zh: &str, help_en: &str) -> Field {
        Field::new("list", key, label_zh, label_en, help_zh, help_en)
    }
    /// The browser's bounds for a number (the plugin still checks them and
    /// names the field when they are broken).
    pub fn bounds(mut self, min: i64, max: i64) -> Field {
        self.bounds = (Some(min), Some(max));
        self
    }
    fn json(&self, lang: &str) -> Value {
        json!({"key": self.key, "kind": self.kind, "label": t(lang, &self.label.0, &self.label.1), "help": t(lang, &self.help.0, &self.help.1), "min": self.bounds.0, "max": self.bounds.1})
    }
}

/// A list of rows (the categories…): the settings' key, a title, and the
/// fields of a row; a row may hold lists of its own (an item's time
/// slots), start from given values, and be added from a catalogue.
#[derive(Debug, Clone)]
pub struct List {
    key: String,
    title: (String, String),
    help: (String, String),
    buttons: [(String, String); 2],
    fields: Vec<Field>,
    lists: Vec<List>,
    new_row: Value,
    row_title: Option<((String, String), String)>,
    catalogue: Option<Catalogue>,
}

/// Rows known elsewhere (the guides' items) offered to add with their
/// values: a label and each entry's `{"label": …, "row": {…}}`; an entry
/// whose `key` value is already in the list is not offered. `entries`
/// `None` shows `hint` instead (the link to them is not allowed).
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The picker's label.
    pub label: (String, String),
    /// The row field that names an entry (`code`).
    pub key: String,
    /// The entries, or `None` when they cannot be read.
    pub entries: Option<Vec<Value>>,
    /// Shown when there are no entries to read.
    pub hint: (String, String),
}

impl List {
    /// The list under `key`, titled in both languages.
    pub fn new(key: &str, title_zh: &str, title_en: &str) -> List {
        List {
            key: key.into(),
            title: (title_zh.into(), title_en.into()),
            help: (String::new(), String::new()),
            buttons: [("添加一行".into(), "Add a row".into()), ("删除此行".into(), "Remove this row".into())],
            fields: Vec::new(),
            lists: Vec::new(),
            new_row: json!({}),
            row_title: None,
            catalogue: None,
        }
    }
    /// A list inside each row (the row's value under the sub-list's key).
    pub fn list(mut self, l: List) -> List {
        self.lists.push(l);
        self
    }
    /// The values a row added with the button starts with.
    pub fn new_row(mut self, row: Value) -> List {
        self.new_row = row;
        self
    }
    /// Each row headed by `zh`/`en` and the row's `key` value (可预约事项 低保).
    pub fn row_title(mut self, zh: &str, en: &str, key: &str) -> List {
        self.row_title = Some(((zh.into(), en.into()), key.into()));
        self
    }
    /// Rows to add from a catalogue.
    pub fn catalogue(mut self, c: Catalogue) -> List {
        self.catalogue = Some(c);
        self
    }
    fn json(&self, lang: &str) -> Value {
        json!({
            "key": self.key,
            "title": t(lang, &self.title.0, &self.title.1),
            "help": t(lang, &self.help.0, &self.help.1),
            "add": t(lang, &self.buttons[0].0, &self.buttons[0].1),
            "remove": t(lang, &self.buttons[1].0, &self.buttons[1].1),
            "fields": self.fields.iter().map(|f| f.json(lang)).collect::<Vec<_>>(),
            "lists": self.lists.iter().map(|l| l.json(lang)).collect::<Vec<_>>(),
            "new_row": self.new_row,
            "row_title": self.row_title.as_ref().map(|((zh, en), key)| json!({"text": t(lang, zh, en), "key": key})),
            "catalogue": self.catalogue.as_ref().map(|c| json!({
                "label": t(lang, &c.label.0, &c.label.1),
                "key": c.key,
                "entries": c.entries,
                "hint": t(lang, &c.hint.0, &c.hint.1),
                "add": t(lang, "添加", "Add"),
            })),
        })
    }
    /// A line under the title explaining the list.
    pub fn help(mut self, zh: &str, en: &str) -> List {
        self.help = (zh.into(), en.into());
        self
    }
    /// The buttons' words, in place of 添加一行 / 删除此行 (添加类别 / 删除).
    pub fn buttons(mut self, add_zh: &str, add_en: &str, remove_zh: &str, remove_en: &str) -> List {
        self.buttons = [(add_zh.into(), add_en.into()), (remove_zh.into(), remove_en.into())];
        self
    }
    /// Add a field to each row.
    pub fn field(mut self, f: Field) -> List {
        self.fields.push(f);
        self
    }
}

/// The form (lists, then the plain fields), its save button and status
/// lines, its data and its script tag: the settings in force (or, when
/// `parse` finds problems, the merged values with each problem by its
/// field).
pub fn body<C>(lang: &str, api: &str, script_src: &str, parse: impl Fn(&Value) -> Result<C, Vec<Problem>>, lists: &[List], fields: &[Field]) -> Result<String, HostError> {
    body_titled(lang, api, script_src, parse, lists, ("规则", "Rules"), fields)
}

/// A titled card of plain fields (爽约规则: no_show.limit, …).
#[derive(Debug, Clone)]
pub struct Section {
    title: (String, String),
    fields: Vec<Field>,
}

impl Section {
    /// A card titled in both languages holding `fields`.
    pub fn new(title_zh: &str, title_en: &str, fields: Vec<Field>) -> Section {
        Section { title: (title_zh.into(), title_en.into()), fields }
    }
}

/// The form with its plain fields in several titled cards.
pub fn body_sections<C>(lang: &str, api: &str, script_src: &str, parse: impl Fn(&Value) -> Result<C, Vec<Problem>>, lists: &[List], sections: &[Section]) -> Result<String, HostError> {
    let cfg = crate::settings::merged(None)?;
    let problems = match parse(&cfg) {
        Ok(_) => json!([]),
        Err(p) => json!(p),
    };
    let sections: Vec<Value> = sections
        .iter()
        .filter(|s| !s.fields.is_empty())
        .map(|s| json!({"title": t(lang, &s.title.0, &s.title.1), "fields": s.fields.iter().map(|f| f.json(lang)).collect::<Vec<_>>()}))
        .collect();
    let data = json!({
        "config": cfg,
        "problems": problems,
        "en": lang == "en",
        "api": api,
        "lists": lists.iter().map(|l| l.json(lang)).collect::<Vec<_>>(),
        "sections": sections,
        "saved": t(lang, "已保存，立即生效", "Saved; in force now"),
    });
    Ok(format!(
        r#"<style>.ls-field {{ margin: 8px 0; }} .ls-field label {{ display: block; font-weight: 600; }} .ls-field input[type=checkbox] + .ls-help {{ display: inline; margin-left: 8px; }} .ls-field input:not([type=checkbox]) {{ width: 100%; max-width: 28rem; }} .ls-help {{ display: block; color: var(--muted); font-size: .9em; }} .ls-err {{ display: block; color: var(--danger, #b3261e); font-weight: 700; }} .ls-row {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 0 16px; align-items: start; border-bottom: 1px solid var(--line, #dde); padding: 6px 0; }} .ls-row > .ls-sub, .ls-row > h3 {{ grid-column: 1 / -1; }}</style><div id="linli-settings"></div><p><button class="primary" type="button" id="linli-settings-save">{save}</button> <span id="linli-settings-status" role="status"></span></p><p class="ls-err" id="linli-settings-err" role="alert"></p>{data}<script src="{src}"></script>"#,
        save = crate::esc(t(lang, "保存", "Save")),
        data = json_block("linli-settings-data", &data),
        src = crate::esc(script_src),
    ))
}

/// [`body`] with the plain fields' card titled `fields_title` (zh, en)
/// instead of 规则 / Rules.
pub fn body_titled<C>(
    lang: &str,
    api: &str,
    script_src: &str,
    parse: impl Fn(&Value) -> Result<C, Vec<Problem>>,
    lists: &[List],
    fields_title: (&str, &str),
    fields: &[Field],
) -> Result<String, HostError> {
    body_sections(lang, api, script_src, parse, lists, &[Section::new(fields_title.0, fields_title.1, fields.to_vec())])
}
