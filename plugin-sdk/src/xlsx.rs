//! Excel workbooks (`.xlsx`) written by the plugin itself (feature `xlsx`):
//! sheets of text and numbers, the first row bold, nothing else. The file
//! is a zip whose entries are stored (not compressed, each with its
//! CRC-32) holding the few SpreadsheetML parts a reader needs: text cells
//! are inline strings (no shared-string table), numbers are numbers, so a
//! spreadsheet sums them without "number stored as text".
//!
//! ```
//! use linli_sdk::xlsx::{Cell, Workbook};
//!
//! let mut book = Workbook::new();
//! book.sheet("窗口排名", vec![
//!     vec![Cell::text("窗口"), Cell::text("满意率")],
//!     vec![Cell::text("1"), Cell::number(0.95)],
//! ]);
//! let bytes = book.to_bytes();
//! assert_eq!(&bytes[..2], b"PK");
//! // Serve it with `Response::asset(linli_sdk::xlsx::CONTENT_TYPE, &bytes)`
//! // and a `content-disposition: attachment; filename=…` header.
//! ```

/// The content type of an `.xlsx` answer.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, kept as written (characters XML cannot hold are dropped).
    Text(String),
    /// A number (a non-finite one is written as an empty cell).
    Number(f64),
    /// Nothing.
    Empty,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    /// A number cell.
    pub fn number(n: impl Into<f64>) -> Cell {
        Cell::Number(n.into())
    }
    /// A number, or an empty cell for `None`.
    pub fn maybe(n: Option<f64>) -> Cell {
        n.map(Cell::Number).unwrap_or(Cell::Empty)
    }
}

/// A workbook: sheets in order, each a list of rows.
#[derive(Debug, Clone, Default)]
pub struct Workbook {
    sheets: Vec<(String, Vec<Vec<Cell>>)>,
}

impl Workbook {
    /// An empty workbook (a workbook with no sheet gets one empty sheet).
    pub fn new() -> Workbook {
        Workbook::default()
    }

    /// Add a sheet. Its name is made one Excel accepts: `[]:*?/\` become
    /// `_`, at most 31 characters, unique in the book.
    pub fn sheet(&mut self, name: &str, rows: Vec<Vec<Cell>>) -> &mut Workbook {
        let mut base: String = name.chars().map(|c| if "[]:*?/\\".contains(c) || c.is_control() { '_' } else { c }).take(31).collect();
        if base.trim().is_empty() {
            base = format!("Sheet{}", self.sheets.len() + 1);
        }
        let mut unique = base.clone();
        let mut n = 2;
        while self.sheets.iter().any(|(s, _)| s.to_lowercase() == unique.to_lowercase()) {
            let tail = format!(" ({n})");
            unique = base.chars().take(31 - tail.chars().count()).collect::<String>() + &tail;
            n += 1;
        }
        self.sheets.push((unique, rows));
        self
    }

    /// The `.xlsx` file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut sheets = self.sheets.clone();
        if sheets.is_empty() {
            sheets.push(("Sheet1".into(), Vec::new()));
        }
        let mut zip = Zip::default();
        let mut types = String::from(concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
            r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
            r#"<Default Extension="xml" ContentType="application/xml"/>"#,
            r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
            r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
        ));
        for i in 1..=sheets.len() {
            types.push_str(&format!(
                r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            ));
        }
        types.push_str("</Types>");
        zip.add("[Content_Types].xml", types.as_bytes());
        zip.add(
            "_rels/.rels",
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
                r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
                "</Relationships>"
            )
            .as_bytes(),
        );
        let mut book = String::from(concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#
        ));
        let mut rels = String::from(concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        ));
        for (i, (name, _)) in sheets.iter().enumerate() {
            let n = i + 1;
            book.push_str(&format!(r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#, xml(name)));
            rels.push_str(&format!(
                r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
            ));
        }
        book.push_str("</sheets></workbook>");
        let styles_id = sheets.len() + 1;
        rels.push_str(&format!(
            r#"<Relationship Id="rId{styles_id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#
        ));
        zip.add("xl/workbook.xml", book.as_bytes());
        zip.add("xl/_rels/workbook.xml.rels", rels.as_bytes());
        zip.add("xl/styles.xml", STYLES.as_bytes());
        for (i, (_, rows)) in sheets.iter().enumerate() {
            zip.add(&format!("xl/worksheets/sheet{}.xml", i + 1), sheet_xml(rows).as_bytes());
        }
        zip.finish()
    }
}

/// Two fonts (plain, bold) and two cell formats; the header row uses the
/// second.
const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#,
    r#"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#,
    r#"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    "</styleSheet>"
);

/// A column's letters: 0 → A, 25 → Z, 26 → AA.
fn column(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn sheet_xml(rows: &[Vec<Cell>]) -> String {
    let mut x = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
    ));
    for (r, row) in rows.iter().enumerate() {
        let n = r + 1;
        x.push_str(&format!(r#"<row r="{n}">"#));
        let style = if r == 0 { r#" s="1""# } else { "" };
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{n}", column(c));
            match cell {
                Cell::Text(s) => x.push_str(&format!(r#"<c r="{at}"{style} t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#, xml(s))),
                Cell::Number(v) if v.is_finite() => x.push_str(&format!(r#"<c r="{at}"{style}><v>{v}</v></c>"#)),
                _ => {}
            }
        }
        x.push_str("</row>");
    }
    x.push_str("</sheetData></worksheet>");
    x
}

/// Text for XML: the five escapes, and the characters XML 1.0 cannot hold
/// (controls other than tab and newlines) left out.
fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => o.push(c),
        }
    }
    o
}

/// CRC-32 (IEEE, as zip uses it).
pub fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
        *slot = c;
    }
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc = table[((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc ^ 0xFFFF_FFFF
}

/// A zip of stored entries.
#[derive(Default)]
struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl Zip {
    fn add(&mut self, name: &str, data: &[u8]) {
        let crc = crc32(data);
        let offset = self.out.len() as u32;
        let size = data.len() as u32;
        // 1980-01-01 00:00, the earliest time zip can say: the file is the
        // same for the same figures.
        let (time, date) = (0u16, 0x0021u16);
        let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
        let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
        let o = &mut self.out;
        le32(o, 0x0403_4b50);
        le16(o, 20); // version needed: 2.0
        le16(o, 0x0800); // names in UTF-8
        le16(o, 0); // stored
        le16(o, time);
        le16(o, date);
        le32(o, crc);
        le32(o, size);
        le32(o, size);
        le16(o, name.len() as u16);
        le16(o, 0);
        o.extend_from_slice(name.as_bytes());
        o.extend_from_slice(data);
        let c = &mut self.central;
        le32(c, 0x0201_4b50);
        le16(c, 20); // made by: 2.0
        le16(c, 20);
        le16(c, 0x0800);
        le16(c, 0);
        le16(c, time);
        le16(c, date);
        le32(c, crc);
        le32(c, size);
        le32(c, size);
        le16(c, name.len() as u16);
        le16(c, 0); // extra
        le16(c, 0); // comment
        le16(c, 0); // disk
        le16(c, 0); // internal attributes
        le32(c, 0); // external attributes
        le32(c, offset);
        c.extend_from_slice(name.as_bytes());
        self.count += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        let at = self.out.len() as u32;
        let size = self.central.len() as u32;
        self.out.extend_from_slice(&self.central);
        let o = &mut self.out;
        o.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        o.extend_from_slice(&[0, 0, 0, 0]); // this disk, the directory's disk
        o.extend_from_slice(&self.count.to_le_bytes());
        o.extend_from_slice(&self.count.to_le_bytes());
        o.extend_from_slice(&size.to_le_bytes());
        o.extend_from_slice(&at.to_le_bytes());
        o.extend_from_slice(&[0, 0]); // comment length
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn columns_run_past_z() {
        assert_eq!([column(0), column(25), column(26), column(27), column(701), column(702)], ["A", "Z", "AA", "AB", "ZZ", "AAA"]);
    }

    #[test]
    fn text_is_escaped_and_numbers_stay_numbers() {
        let x = sheet_xml(&[vec![Cell::text("a<b & \"c\"\u{1}"), Cell::number(2.5), Cell::Number(f64::NAN), Cell::Empty]]);
        assert!(x.contains("a&lt;b &amp; &quot;c&quot;</t>"), "{x}");
        assert!(x.contains(r#"<c r="B1" s="1"><v>2.5</v></c>"#), "{x}");
        assert!(!x.contains("C1") && !x.contains("NaN"), "{x}");
    }

    #[test]
    fn sheet_names_are_made_valid_and_unique() {
        let mut b = Workbook::new();
        b.sheet("a/b", vec![]).sheet("A/B", vec![]).sheet("", vec![]).sheet(&"长".repeat(40), vec![]);
        let names: Vec<_> = b.sheets.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names[0], "a_b");
        assert_eq!(names[1], "A_B (2)");
        assert_eq!(names[2], "Sheet3");
        assert_eq!(names[3].chars().count(), 31);
    }

    #[test]
    fn the_zip_lists_every_part_with_its_crc() {
        let mut b = Workbook::new();
        b.sheet("一", vec![vec![Cell::text("中文")]]);
        let z = b.to_bytes();
        // End of central directory: 6 entries (types, rels, workbook,
        // workbook rels, styles, one sheet).
        let eocd = z.len() - 22;
        assert_eq!(&z[eocd..eocd + 4], &[0x50, 0x4b, 0x05, 0x06]);
        assert_eq!(u16::from_le_bytes([z[eocd + 10], z[eocd + 11]]), 6);
        // The first entry's stored CRC is the CRC of its data.
        let name_len = u16::from_le_bytes([z[26], z[27]]) as usize;
        let size = u32::from_le_bytes([z[18], z[19], z[20], z[21]]) as usize;
        let data = &z[30 + name_len..30 + name_len + size];
        assert_eq!(u32::from_le_bytes([z[14], z[15], z[16], z[17]]), crc32(data));
        assert_eq!(&z[30..30 + name_len], b"[Content_Types].xml");
    }
}
