//! Reading SQL rows straight into Rust types, by column name.
//!
//! ```
//! use linli_sdk::sql::{self, Rows, Value};
//! use linli_sdk::store::HostError;
//!
//! #[derive(serde::Deserialize, Debug, PartialEq)]
//! struct Ticket { id: i64, label: String, called_at: Option<i64>, priority: bool }
//!
//! // In a plugin: the rows of a query, already typed.
//! fn waiting() -> Result<Vec<Ticket>, HostError> {
//!     sql::query_as("SELECT * FROM tickets WHERE status = ?1", &[sql::text("waiting")])
//! }
//! fn count_and_oldest() -> Result<(i64, Option<i64>), HostError> {
//!     Ok(sql::query_as("SELECT COUNT(*), MIN(issued_at) FROM tickets", &[])?.remove(0))
//! }
//!
//! // `query_as` is `query` and then `Rows::decode`, which runs anywhere:
//! let rows = Rows {
//!     columns: vec!["id".into(), "label".into(), "status".into(), "called_at".into(), "priority".into()],
//!     rows: vec![
//!         vec![Value::Integer(7), Value::Text("A007".into()), Value::Text("waiting".into()), Value::Null, Value::Integer(1)],
//!         vec![Value::Integer(8), Value::Text("A008".into()), Value::Text("waiting".into()), Value::Integer(1_767_225_600_000), Value::Integer(0)],
//!     ],
//! };
//! let tickets: Vec<Ticket> = rows.decode().unwrap();
//! assert_eq!(tickets[0], Ticket { id: 7, label: "A007".into(), called_at: None, priority: true });
//! assert_eq!(tickets[1].called_at, Some(1_767_225_600_000));
//! let counted = Rows { columns: vec!["COUNT(*)".into(), "MIN(issued_at)".into()], rows: vec![vec![Value::Integer(2), Value::Null]] };
//! let (n, oldest): (i64, Option<i64>) = counted.decode().unwrap().remove(0);
//! assert_eq!((n, oldest), (2, None));
//! # let _ = (waiting, count_and_oldest);
//! ```
//!
//! A struct takes its fields from the columns of the same name (columns it
//! does not name are skipped); a tuple takes the columns in order; a single
//! value (`i64`, `String`…) takes the only column. NULL reads as `None`
//! (or `()`), an integer reads as `bool` (0 is false) or `f64`, and a real
//! with no fraction reads as an integer. Nothing goes through JSON, which
//! matters inside the sandbox: decoding a 40-column row this way costs a
//! fraction of building a JSON object for it first.

use crate::store::sql::{Rows, Value};
use serde::de::value::Error;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

impl Rows {
    /// Every row as a `T`; the error names the row and the problem.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<Vec<T>, String> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| T::deserialize(RowDe { columns: &self.columns, values: row }).map_err(|e| format!("row {}: {e}", i + 1)))
            .collect()
    }
}

struct RowDe<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl<'a> RowDe<'a> {
    fn single(&self) -> Result<ValueDe<'a>, Error> {
        match self.values {
            [v] => Ok(ValueDe(v)),
            _ => Err(de::Error::custom(format!("expected one column, the query returned {}", self.values.len()))),
        }
    }
}

macro_rules! single_column {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.single()?.$method(visitor)
        })*
    };
}

impl<'de, 'a> Deserializer<'de> for RowDe<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(RowMap { columns: self.columns.iter(), values: self.values.iter(), value: None })
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(RowSeq(self.values.iter()))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _name: &'static str, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    single_column! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32 deserialize_f64
        deserialize_char deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit
    }

    serde::forward_to_deserialize_any! {
        i128 u128 unit_struct map struct enum identifier ignored_any
    }
}

struct RowMap<'a> {
    columns: std::slice::Iter<'a, String>,
    values: std::slice::Iter<'a, Value>,
    value: Option<(&'a str, &'a Value)>,
}

impl<'de, 'a> MapAccess<'de> for RowMap<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match (self.columns.next(), self.values.next()) {
            (Some(column), Some(value)) => {
                self.value = Some((column, value));
                seed.deserialize(column.as_str().into_deserializer()).map(Some)
            }
            _ => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let (column, value) = self.value.take().ok_or_else(|| de::Error::custom("a value was read before its column"))?;
        // "row 3: column `called_at`: invalid type…"
        seed.deserialize(ValueDe(value)).map_err(|e| de::Error::custom(format!("column `{column}`: {e}")))
    }
}

struct RowSeq<'a>(std::slice::Iter<'a, Value>);

impl<'de, 'a> SeqAccess<'de> for RowSeq<'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(ValueDe(v))).transpose()
    }
}

struct ValueDe<'a>(&'a Value);

macro_rules! integer {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => visitor.visit_i64(*f as i64),
                _ => self.deserialize_any(visitor),
            }
        })*
    };
}

impl<'de, 'a> Deserializer<'de> for ValueDe<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Integer(i) => visitor.visit_i64(*i),
            Value::Real(f) => visitor.visit_f64(*f),
            Value::Text(s) => visitor.visit_str(s),
            // As a sequence of bytes, which every collection (and JSON) takes.
            Value::Blob(b) => visitor.visit_seq(de::value::SeqDeserializer::new(b.iter().copied())),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Blob(b) => visitor.visit_bytes(b),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Integer(i) => visitor.visit_bool(*i != 0),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _name: &'static str, _variants: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            // A unit variant stored as its name.
            Value::Text(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => self.deserialize_any(visitor),
        }
    }

    integer! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }

    serde::forward_to_deserialize_any! {
        i128 u128 f32 f64 char str string unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn rows(columns: &[&str], rows: Vec<Vec<Value>>) -> Rows {
        Rows { columns: columns.iter().map(|c| c.to_string()).collect(), rows }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Ticket {
        id: i64,
        label: String,
        called_at: Option<i64>,
        priority: bool,
        ms: Option<f64>,
    }

    #[test]
    fn structs_tuples_and_single_values() {
        let r = rows(
            &["id", "label", "extra", "called_at", "priority", "ms"],
            vec![
                vec![Value::Integer(1), Value::Text("A001".into()), Value::Blob(vec![1]), Value::Null, Value::Integer(1), Value::Integer(7)],
                vec![Value::Real(2.0), Value::Text("A002".into()), Value::Null, Value::Integer(99), Value::Integer(0), Value::Real(1.5)],
            ],
        );
        let t: Vec<Ticket> = r.decode().unwrap();
        assert_eq!(t[0], Ticket { id: 1, label: "A001".into(), called_at: None, priority: true, ms: Some(7.0) });
        assert_eq!(t[1], Ticket { id: 2, label: "A002".into(), called_at: Some(99), priority: false, ms: Some(1.5) });

        let pairs: Vec<(i64, String)> = rows(&["n", "s"], vec![vec![Value::Integer(3), Value::Text("x".into())]]).decode().unwrap();
        assert_eq!(pairs, vec![(3, "x".to_string())]);
        let counts: Vec<i64> = rows(&["COUNT(*)"], vec![vec![Value::Integer(42)]]).decode().unwrap();
        assert_eq!(counts, vec![42]);
        let json: Vec<serde_json::Value> = r.decode().unwrap();
        assert_eq!(json[0]["label"], "A001");
        assert_eq!(json[0]["called_at"], serde_json::Value::Null);
        assert_eq!(json[0]["extra"], serde_json::json!([1]));
        // A row read as a sequence is its columns; a blob column is a Vec<u8>.
        let blobs: Vec<(Vec<u8>,)> = rows(&["b"], vec![vec![Value::Blob(vec![7, 8])]]).decode().unwrap();
        assert_eq!(blobs, vec![(vec![7, 8],)]);
    }

    #[test]
    fn errors_name_the_row() {
        let r = rows(&["id", "label"], vec![vec![Value::Integer(1), Value::Text("ok".into())], vec![Value::Text("x".into()), Value::Text("ok".into())]]);
        let e = r.decode::<(i64, String)>().unwrap_err();
        assert!(e.starts_with("row 2:") && e.contains("invalid type"), "{e}");
        let e = rows(&["id", "at"], vec![vec![Value::Integer(1), Value::Text("noon".into())]]).decode::<Ticket>().unwrap_err();
        assert!(e.starts_with("row 1: column `at`") || e.contains("missing field"), "{e}");
        let e = rows(&["a", "b"], vec![vec![Value::Integer(1), Value::Integer(2)]]).decode::<i64>().unwrap_err();
        assert!(e.contains("expected one column"), "{e}");
        let e = rows(&["id"], vec![vec![Value::Real(1.5)]]).decode::<i64>().unwrap_err();
        assert!(e.contains("invalid type: floating point"), "{e}");
    }
}
