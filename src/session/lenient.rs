//! Lenient serde field types for the index scan: a field of an unexpected JSON type reads as
//! "absent" instead of failing the whole line, and nested values we do not need are skipped
//! without allocating.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::ai::types::{Cost, Usage};

/// A string field; other JSON types read as `None`. With `NUM`, integers read as their
/// decimal text (the older rust-pi format uses integer ids).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct MaybeStr<'a, const NUM: bool = false>(pub Option<Cow<'a, str>>);

impl<'a, const NUM: bool> MaybeStr<'a, NUM> {
    pub fn into_box(self) -> Option<Box<str>> {
        self.0.map(|c| c.into_owned().into_boxed_str())
    }
}

impl<'de, const NUM: bool> Deserialize<'de> for MaybeStr<'de, NUM> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MaybeStrVisitor::<NUM>)
    }
}

struct MaybeStrVisitor<const NUM: bool>;

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

impl<'de, const NUM: bool> Visitor<'de> for MaybeStrVisitor<NUM> {
    type Value = MaybeStr<'de, NUM>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(MaybeStr(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(MaybeStr(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(MaybeStr(Some(Cow::Owned(v))))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(MaybeStr(NUM.then(|| Cow::Owned(v.to_string()))))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(MaybeStr(NUM.then(|| Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(MaybeStr(None))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(MaybeStr(None))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(MaybeStr(None))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(MaybeStr(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map)?;
        Ok(MaybeStr(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(MaybeStr(None))
    }
}

/// A number field; other JSON types (pi writes `null` for NaN) read as 0.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Num(pub f64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

struct NumVisitor;

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
        Ok(Num(v as f64))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
        Ok(Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Num, E> {
        Ok(Num(v))
    }
    fn visit_str<E>(self, _: &str) -> Result<Num, E> {
        Ok(Num(0.0))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Num, E> {
        Ok(Num(0.0))
    }
    fn visit_unit<E>(self) -> Result<Num, E> {
        Ok(Num(0.0))
    }
    fn visit_none<E>(self) -> Result<Num, E> {
        Ok(Num(0.0))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Num, A::Error> {
        drain_map(map)?;
        Ok(Num(0.0))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Num, A::Error> {
        drain_seq(seq)?;
        Ok(Num(0.0))
    }
}

/// An object whose known keys are read leniently; any other JSON type reads as the default.
macro_rules! lenient_object {
    ($(#[$m:meta])* $name:ident<$lt:lifetime> { $($field:ident : $ty:ty = $key:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Default, Clone, PartialEq)]
        pub(crate) struct $name<$lt> {
            $(pub $field: $ty,)*
            _marker: std::marker::PhantomData<&$lt ()>,
        }

        impl<'de> Deserialize<'de> for $name<'de> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name<'de>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("any JSON value")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                        let mut out = $name::default();
                        while let Some(key) = map.next_key::<MaybeStr<'de>>()? {
                            match key.0.as_deref() {
                                $(Some($key) => out.$field = map.next_value()?,)*
                                _ => { map.next_value::<IgnoredAny>()?; }
                            }
                        }
                        Ok(out)
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                        drain_seq(seq)?;
                        Ok($name::default())
                    }
                    fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Self::Value, E> { Ok($name::default()) }
                    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> { Ok($name::default()) }
                    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> { Ok($name::default()) }
                    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> { Ok($name::default()) }
                    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> { Ok($name::default()) }
                    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> { Ok($name::default()) }
                    fn visit_unit<E>(self) -> Result<Self::Value, E> { Ok($name::default()) }
                    fn visit_none<E>(self) -> Result<Self::Value, E> { Ok($name::default()) }
                }
                d.deserialize_any(V)
            }
        }
    };
}

lenient_object!(
    /// `usage.cost` of an assistant message.
    CostHead<'a> {
        input: Num = "input",
        output: Num = "output",
        cache_read: Num = "cacheRead",
        cache_write: Num = "cacheWrite",
        total: Num = "total",
    }
);

lenient_object!(
    /// `usage` of an assistant message.
    UsageHead<'a> {
        input: Num = "input",
        output: Num = "output",
        cache_read: Num = "cacheRead",
        cache_write: Num = "cacheWrite",
        total_tokens: Num = "totalTokens",
        cost: CostHead<'a> = "cost",
    }
);

impl UsageHead<'_> {
    pub fn to_usage(&self) -> Usage {
        let n = |v: Num| {
            if v.0.is_finite() && v.0 > 0.0 {
                v.0 as u64
            } else {
                0
            }
        };
        let f = |v: Num| if v.0.is_finite() { v.0 } else { 0.0 };
        Usage {
            input: n(self.input),
            output: n(self.output),
            cache_read: n(self.cache_read),
            cache_write: n(self.cache_write),
            total_tokens: n(self.total_tokens),
            cost: Cost {
                input: f(self.cost.input),
                output: f(self.cost.output),
                cache_read: f(self.cost.cache_read),
                cache_write: f(self.cost.cache_write),
                total: f(self.cost.total),
            },
        }
    }
}

lenient_object!(
    /// The parts of a `message` the index keeps: its role and an assistant's usage.
    MessageHead<'a> {
        role: MaybeStr<'a> = "role",
        usage: Option<UsageHead<'a>> = "usage",
    }
);

lenient_object!(
    /// `data` of our own `custom` entries (head, branch alias).
    DataHead<'a> {
        head_id: MaybeStr<'a> = "headId",
        previous_head_id: MaybeStr<'a> = "previousHeadId",
        name: MaybeStr<'a> = "name",
        target_id: MaybeStr<'a> = "targetId",
    }
);

lenient_object!(
    /// One v3 line, reduced to what the index needs.
    V3Head<'a> {
        kind: MaybeStr<'a> = "type",
        id: MaybeStr<'a> = "id",
        parent_id: MaybeStr<'a> = "parentId",
        message: Option<MessageHead<'a>> = "message",
        custom_type: MaybeStr<'a> = "customType",
        target_id: MaybeStr<'a> = "targetId",
        label: MaybeStr<'a> = "label",
        data: Option<DataHead<'a>> = "data",
    }
);

lenient_object!(
    /// One line of the older rust-pi format.
    LegacyHead<'a> {
        record_type: MaybeStr<'a> = "record_type",
        id: MaybeStr<'a, true> = "id",
        parent_id: MaybeStr<'a, true> = "parent_id",
        message: Option<MessageHead<'a>> = "message",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_with_nulls_and_odd_types_reads_as_zero() {
        let u: UsageHead = serde_json::from_str(
            r#"{"input":5,"output":null,"totalTokens":"x","cost":{"total":null,"input":0.5},"extra":[1]}"#,
        )
        .unwrap();
        let u = u.to_usage();
        assert_eq!((u.input, u.output, u.total_tokens), (5, 0, 0));
        assert_eq!((u.cost.input, u.cost.total), (0.5, 0.0));
        let odd: UsageHead = serde_json::from_str("[1,2]").unwrap();
        assert_eq!(odd.to_usage(), Usage::default());
    }

    #[test]
    fn maybe_str_accepts_anything() {
        let v: Vec<MaybeStr> = serde_json::from_str(r#"["a",1,null,{"k":[1]},[2],true]"#).unwrap();
        assert_eq!(v[0].0.as_deref(), Some("a"));
        assert!(v[1..].iter().all(|m| m.0.is_none()));
        let n: MaybeStr<true> = serde_json::from_str("42").unwrap();
        assert_eq!(n.0.as_deref(), Some("42"));
    }
}
