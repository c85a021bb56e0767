//! A content item: one Markdown file shown on the waiting-area screens.

use serde::{Deserialize, Serialize};

use crate::layout::ZoneKind;
use crate::schedule::Schedule;
use crate::time::{Timestamp, UtcOffset};

/// What an item is; decides where it shows and which fields it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 社区新闻 — community news.
    News,
    /// 政策法规解读 — a policy explained for residents.
    Policy,
    /// 办事流程 — how to get something done, may link to a service's guide.
    Procedure,
    /// 通知公告 — a notice.
    Notice,
    /// 滚动字幕 — lines for the ticker.
    Ticker,
    /// 图片 — a PNG or JPEG with a caption.
    Image,
    /// 紧急通知 — takes over the screens until it expires.
    Alert,
}

impl Kind {
    /// Every kind, in the order the README lists them.
    pub const ALL: [Kind; 7] = [
        Kind::News,
        Kind::Policy,
        Kind::Procedure,
        Kind::Notice,
        Kind::Ticker,
        Kind::Image,
        Kind::Alert,
    ];

    /// The name written in front matter (`kind = "news"`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::News => "news",
            Kind::Policy => "policy",
            Kind::Procedure => "procedure",
            Kind::Notice => "notice",
            Kind::Ticker => "ticker",
            Kind::Image => "image",
            Kind::Alert => "alert",
        }
    }

    /// Parses the English name or its Chinese equivalent (`新闻`, `政策`,
    /// `办事流程`, `通知`, `滚动`, `图片`, `紧急`).
    pub fn parse(text: &str) -> Option<Kind> {
        let text = text.trim().to_lowercase();
        Some(match text.as_str() {
            "news" | "新闻" | "社区新闻" => Kind::News,
            "policy" | "政策" | "政策解读" | "政策法规解读" => Kind::Policy,
            "procedure" | "流程" | "办事流程" | "办事指南" => Kind::Procedure,
            "notice" | "通知" | "公告" | "通知公告" => Kind::Notice,
            "ticker" | "滚动" | "滚动字幕" | "字幕" => Kind::Ticker,
            "image" | "图片" => Kind::Image,
            "alert" | "紧急" | "紧急通知" | "紧急公告" => Kind::Alert,
            _ => return None,
        })
    }

    /// Seconds an item of this kind stays on a carousel when not set.
    pub fn default_duration(self) -> u32 {
        match self {
            Kind::News | Kind::Notice => 15,
            Kind::Policy | Kind::Procedure => 20,
            Kind::Image => 10,
            Kind::Ticker | Kind::Alert => 0,
        }
    }

    /// The zone an item of this kind goes to when `zones` is not set.
    pub fn default_zone(self) -> ZoneKind {
        match self {
            Kind::Ticker => ZoneKind::Ticker,
            Kind::Alert => ZoneKind::Alert,
            _ => ZoneKind::Carousel,
        }
    }
}

/// An image file an item shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// Path relative to the content folder, e.g. `images/hall.jpg`.
    pub path: String,
    /// The format found from the file's first bytes.
    pub format: ImageFormat,
}

/// Image formats the screens can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
}

/// One valid content item, as loaded from its Markdown file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Path relative to the content folder without `.md`, e.g.
    /// `news/2025-07-老年食堂`. Stable across edits of the same file.
    pub id: String,
    /// Path of the source file relative to the content folder.
    pub path: String,
    /// What the item is.
    pub kind: Kind,
    /// The heading shown on screen.
    pub title: String,
    /// Language tag, `zh-CN` unless set.
    pub lang: String,
    /// First instant the item may show; `None` means already.
    pub valid_from: Option<Timestamp>,
    /// Instant the item stops showing (exclusive); `None` means never.
    pub valid_until: Option<Timestamp>,
    /// Days and hours within the validity when the item shows.
    pub schedule: Schedule,
    /// Higher shows first; 0 unless set.
    pub priority: i32,
    /// Names of the screens that show it; empty means every screen.
    pub screens: Vec<String>,
    /// Zones of the layout it goes to; never empty after loading.
    pub zones: Vec<ZoneKind>,
    /// Seconds on screen per turn of a carousel; 0 for ticker and alerts.
    pub duration: u32,
    /// The Markdown body after the front matter.
    pub body: String,
    /// Ticker lines (kind `ticker` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
    /// The image shown (required for kind `image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRef>,
    /// Caption under the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Service code such as `A` a procedure belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Link to the service's guide (URL or path on the resident portal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<String>,
    /// The hall's UTC offset, which `schedule` is read in.
    pub utc_offset: UtcOffset,
    /// True when the file has since become invalid and this is the last
    /// good version, still shown while editors fix the file.
    #[serde(default)]
    pub stale: bool,
}

impl Item {
    /// Whether the item should show at `now`: inside its validity and its
    /// weekly schedule (read in the hall's local time).
    pub fn is_live(&self, now: Timestamp) -> bool {
        if self.valid_from.is_some_and(|from| now < from) {
            return false;
        }
        if self.valid_until.is_some_and(|until| now >= until) {
            return false;
        }
        self.schedule.contains(&now.local(self.utc_offset))
    }

    /// Whether the item is meant for the screen called `screen`.
    pub fn shows_on(&self, screen: &str) -> bool {
        self.screens.is_empty() || self.screens.iter().any(|s| s == screen || s == "*")
    }

    /// Whether the item goes to a zone of this kind.
    pub fn in_zone(&self, zone: ZoneKind) -> bool {
        self.zones.contains(&zone)
    }
}
