//! The plugin's settings: the service items one can book, their slots and
//! rules, the no-show rule, the check-in limits and the reminders. The
//! host's `[plugins.appointments.config]` (or the defaults below) with the
//! admin's changes from the settings page on top (kv `config/override`,
//! whole top-level sections replaced), checked field by field.

use linli_sdk::Fail;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_items")]
    pub items: Vec<Item>,
    #[serde(default)]
    pub no_show: NoShow,
    #[serde(default)]
    pub check_in: CheckIn,
    #[serde(default)]
    pub reminders: Reminders,
    /// The plugin that issues the tickets (its callable
    /// `POST /api/queue/appointments`).
    #[serde(default = "default_queue")]
    pub queue_plugin: String,
}

/// One service item (事项) residents can book.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The queue's service the appointment ticket is issued for.
    pub queue_service: String,
    /// How many working days ahead one can book (1–5).
    pub days_ahead: u32,
    /// When, each day, the furthest day opens for booking (`08:00`).
    pub release_time: String,
    /// The share of each slot (percent, rounded up) kept for walk-ins.
    pub walk_in_percent: u32,
    /// A booking can be moved or cancelled until this many hours before.
    pub cancel_hours: u32,
    pub slots: Vec<Slot>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    pub start: String,
    pub end: String,
    /// Residents the windows can serve in the slot (walk-ins included).
    pub capacity: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoShow {
    /// This many no-shows (0: the rule is off) …
    pub limit: u32,
    /// … within this many days …
    pub within_days: u32,
    /// … and the resident cannot book for this many days.
    pub ban_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    /// Check-in opens this many minutes before the slot starts.
    pub early_minutes: u32,
    /// … and closes this many minutes after it started (then: no-show).
    pub late_minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminders {
    /// A message the day before, from this time (`18:00`; empty: none).
    pub day_before_at: String,
    /// A message an hour before the slot.
    pub hour_before: bool,
}

impl Default for NoShow {
    fn default() -> Self {
        NoShow { limit: 2, within_days: 90, ban_days: 90 }
    }
}
impl Default for CheckIn {
    fn default() -> Self {
        CheckIn { early_minutes: 30, late_minutes: 15 }
    }
}
impl Default for Reminders {
    fn default() -> Self {
        Reminders { day_before_at: "18:00".into(), hour_before: true }
    }
}

fn default_queue() -> String {
    "queue".into()
}

fn slots(times: &[(&str, &str)], capacity: u32) -> Vec<Slot> {
    times.iter().map(|(s, e)| Slot { start: (*s).into(), end: (*e).into(), capacity }).collect()
}

fn item(code: &str, zh: &str, en: &str, queue: &str) -> Item {
    let day = [
        ("09:00", "09:30"),
        ("09:30", "10:00"),
        ("10:00", "10:30"),
        ("10:30", "11:00"),
        ("11:00", "11:30"),
        ("14:00", "14:30"),
        ("14:30", "15:00"),
        ("15:00", "15:30"),
        ("15:30", "16:00"),
    ];
    Item {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        queue_service: queue.into(),
        days_ahead: 5,
        release_time: "08:00".into(),
        walk_in_percent: 25,
        cancel_hours: 2,
        slots: slots(&day, 4),
    }
}

/// The items of the shipped guides (办事指南), mapped to the queue's
/// default services.
fn default_items() -> Vec<Item> {
    vec![
        item("dibao", "最低生活保障申请", "Minimum living allowance (dibao)", "A"),
        item("linshi-jiuzhu", "临时救助申请", "Temporary assistance", "A"),
        item("gaoling-jintie", "高龄津贴申领", "Old-age allowance", "A"),
        item("shiye-dengji", "失业登记", "Unemployment registration", "B"),
        item("jiuye-kunnan", "就业困难人员认定", "Employment difficulty certification", "B"),
        item("shengyu-dengji", "生育登记", "Birth registration", "C"),
        item("juzhu-zhengming", "居住证明开具", "Certificate of residence", "D"),
        item("qinshu-zhengming", "亲属关系证明开具", "Certificate of kinship", "D"),
    ]
}

impl Default for Config {
    fn default() -> Self {
        Config { items: default_items(), no_show: NoShow::default(), check_in: CheckIn::default(), reminders: Reminders::default(), queue_plugin: default_queue() }
    }
}

/// `HH:MM` as minutes after midnight.
pub fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// One problem in the settings: the field and what is wrong (the SDK's).
pub use linli_sdk::settings::Problem;

impl Item {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" { &self.name_en } else { &self.name_zh }
    }
    /// Places booking may take in a slot: the walk-in share (rounded up)
    /// is never given out.
    pub fn bookable(&self, slot: &Slot) -> u32 {
        let walk_in = (slot.capacity * self.walk_in_percent).div_ceil(100);
        slot.capacity.saturating_sub(walk_in)
    }
    pub fn slot(&self, start: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.start == start)
    }
}

impl Config {
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// The effective settings, or the problems that stop them loading.
    pub fn load() -> Result<Config, Fail> {
        let merged = merged(None)?;
        Config::from_json(&merged).map_err(|p| {
            linli_sdk::settings::broken("预约", "the appointment", &p)
        })
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Config, Vec<Problem>> {
        let cfg: Config = serde_json::from_value(v.clone()).map_err(|e| {
            vec![Problem { path: "settings".into(), zh: format!("格式不对（{e}）"), en: format!("wrong shape ({e})") }]
        })?;
        let p = cfg.problems();
        if p.is_empty() { Ok(cfg) } else { Err(p) }
    }

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut bad = |path: String, zh: &str, en: &str| out.push(Problem { path, zh: zh.into(), en: en.into() });
        if self.items.is_empty() {
            bad("items".into(), "至少需要一个可预约事项", "at least one item is needed");
        }
        for (i, it) in self.items.iter().enumerate() {
            let p = |f: &str| format!("items[{i}].{f}");
            let code_ok = !it.code.is_empty() && it.code.len() <= 40 && it.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !code_ok {
                bad(p("code"), "事项编号应为 1 至 40 个小写字母、数字或短横线", "the item code must be 1 to 40 lower-case letters, digits or dashes");
            }
            if self.items.iter().filter(|o| o.code == it.code).count() > 1 {
                bad(p("code"), "事项编号重复", "the item code is used twice");
            }
            if it.name_zh.trim().is_empty() || it.name_zh.chars().count() > 40 {
                bad(p("name_zh"), "中文名称应为 1 至 40 个字", "the Chinese name must be 1 to 40 characters");
            }
            if it.name_en.trim().is_empty() || it.name_en.chars().count() > 80 {
                bad(p("name_en"), "英文名称应为 1 至 80 个字符", "the English name must be 1 to 80 characters");
            }
            if it.queue_service.is_empty() || it.queue_service.len() > 8 || !it.queue_service.bytes().all(|b| b.is_ascii_alphanumeric()) {
                bad(p("queue_service"), "排队业务编号应为 1 至 8 个字母或数字", "the queue service code must be 1 to 8 letters or digits");
            }
            if !(1..=5).contains(&it.days_ahead) {
                bad(p("days_ahead"), "可提前预约的工作日数应为 1 至 5", "days ahead must be 1 to 5 working days");
            }
            if minutes(&it.release_time).is_none() {
                bad(p("release_time"), "放号时间应为 HH:MM（如 08:00）", "the release time must be HH:MM (e.g. 08:00)");
            }
            if it.walk_in_percent > 100 {
                bad(p("walk_in_percent"), "现场号比例应为 0 至 100", "the walk-in share must be 0 to 100 percent");
            }
            if it.cancel_hours > 72 {
                bad(p("cancel_hours"), "取消时限应为 0 至 72 小时", "the cancellation limit must be 0 to 72 hours");
            }
            if it.slots.is_empty() {
                bad(p("slots"), "至少需要一个时段", "at least one slot is needed");
            }
            for (j, s) in it.slots.iter().enumerate() {
                let q = |f: &str| format!("items[{i}].slots[{j}].{f}");
                match (minutes(&s.start), minutes(&s.end)) {
                    (None, _) => bad(q("start"), "开始时间应为 HH:MM", "the start must be HH:MM"),
                    (_, None) => bad(q("end"), "结束时间应为 HH:MM", "the end must be HH:MM"),
                    (Some(a), Some(b)) if b <= a => bad(q("end"), "结束时间应晚于开始时间", "the end must be after the start"),
                    _ => {}
                }
                if it.slots.iter().filter(|o| o.start == s.start).count() > 1 {
                    bad(q("start"), "同一事项的时段开始时间重复", "two slots of the item start at the same time");
                }
                if s.capacity == 0 || s.capacity > 500 {
                    bad(q("capacity"), "每个时段的容量应为 1 至 500 人", "a slot's capacity must be 1 to 500");
                }
            }
        }
        if self.no_show.limit > 10 {
            bad("no_show.limit".into(), "爽约次数应为 0（不限制）至 10", "the no-show count must be 0 (off) to 10");
        }
        if self.no_show.within_days == 0 || self.no_show.within_days > 730 {
            bad("no_show.within_days".into(), "统计天数应为 1 至 730", "the counting period must be 1 to 730 days");
        }
        if self.no_show.ban_days == 0 || self.no_show.ban_days > 365 {
            bad("no_show.ban_days".into(), "暂停预约天数应为 1 至 365", "the pause must be 1 to 365 days");
        }
        if self.check_in.early_minutes > 240 {
            bad("check_in.early_minutes".into(), "提前签到分钟数应为 0 至 240", "early check-in must be 0 to 240 minutes");
        }
        if self.check_in.late_minutes > 240 {
            bad("check_in.late_minutes".into(), "迟到签到分钟数应为 0 至 240", "late check-in must be 0 to 240 minutes");
        }
        if !self.reminders.day_before_at.is_empty() && minutes(&self.reminders.day_before_at).is_none() {
            bad("reminders.day_before_at".into(), "前一天提醒时间应为 HH:MM，或留空不提醒", "the day-before reminder time must be HH:MM, or empty for none");
        }
        if self.queue_plugin.is_empty() || !self.queue_plugin.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            bad("queue_plugin".into(), "排队插件编号不正确", "the queue plugin id is not valid");
        }
        out
    }
}

/// The host's settings with the admin's saved changes (and `patch`, when
/// saving) on top (the SDK's settings).
pub fn merged(patch: Option<&serde_json::Map<String, serde_json::Value>>) -> Result<serde_json::Value, Fail> {
    Ok(linli_sdk::settings::merged(patch)?)
}
/// The settings' JSON Schema (the host checks `[plugins.appointments.config]`
/// against it; the plugin checks the details and names each field).
pub fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "items": {"type": "array"},
            "no_show": {"type": "object"},
            "check_in": {"type": "object"},
            "reminders": {"type": "object"},
            "queue_plugin": {"type": "string"}
        }
    })
}

pub fn default_json() -> serde_json::Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}
