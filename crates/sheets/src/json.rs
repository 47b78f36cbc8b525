//! JSON request bodies measured before they are parsed: the body's size, how deep it nests and
//! how many values it holds are checked in one pass that keeps nothing, and only a body within
//! the limits is then read into its type.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonLimits {
    /// Largest body accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of arrays and objects (the body itself is level 1).
    pub max_depth: usize,
    /// Most values (keys included) in the whole body.
    pub max_values: usize,
}

impl JsonLimits {
    /// A data drop sent through the API: a period, a few hundred values with notes, and a
    /// storyboard of four answers of at most 4,000 characters.
    pub const DATA_DROP: JsonLimits = JsonLimits {
        max_bytes: 1024 * 1024,
        max_depth: 8,
        max_values: 50_000,
    };
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JsonError {
    #[error("the body is larger than {} KB", max_bytes / 1024)]
    TooLarge { max_bytes: usize },
    #[error("the body nests more than {max_depth} levels deep")]
    TooDeep { max_depth: usize },
    #[error("the body holds more than {max_values} values")]
    TooManyValues { max_values: usize },
    /// Not JSON, or not the expected shape: serde's own description, naming line and column.
    #[error("{0}")]
    Invalid(String),
}

/// Reads a JSON body into `T` once it is known to be within the limits.
pub fn read_json<T: DeserializeOwned>(bytes: &[u8], limits: &JsonLimits) -> Result<T, JsonError> {
    measure(bytes, limits)?;
    serde_json::from_slice(bytes).map_err(|error| JsonError::Invalid(error.to_string()))
}

/// Checks size, depth and number of values without keeping any of them.
pub fn measure(bytes: &[u8], limits: &JsonLimits) -> Result<(), JsonError> {
    if bytes.len() > limits.max_bytes {
        return Err(JsonError::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    let values = Cell::new(0);
    let refusal = Cell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let measured = Measure {
        limits,
        values: &values,
        refusal: &refusal,
        depth: 1,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end());
    match (refusal.take(), measured) {
        (Some(refusal), _) => Err(refusal),
        (None, Err(error)) => Err(JsonError::Invalid(error.to_string())),
        (None, Ok(())) => Ok(()),
    }
}

#[derive(Clone, Copy)]
struct Measure<'a> {
    limits: &'a JsonLimits,
    values: &'a Cell<usize>,
    refusal: &'a Cell<Option<JsonError>>,
    depth: usize,
}

impl Measure<'_> {
    fn count<E: de::Error>(&self) -> Result<(), E> {
        self.values.set(self.values.get() + 1);
        if self.values.get() > self.limits.max_values {
            return self.refuse(JsonError::TooManyValues {
                max_values: self.limits.max_values,
            });
        }
        Ok(())
    }

    fn refuse<E: de::Error>(&self, refusal: JsonError) -> Result<(), E> {
        let message = refusal.to_string();
        self.refusal.set(Some(refusal));
        Err(E::custom(message))
    }

    /// The measure of a value one level down, refused if that is too deep.
    fn inner<E: de::Error>(&self) -> Result<Measure<'_>, E> {
        self.count()?;
        if self.depth >= self.limits.max_depth {
            self.refuse(JsonError::TooDeep {
                max_depth: self.limits.max_depth,
            })?;
        }
        Ok(Measure {
            limits: self.limits,
            values: self.values,
            refusal: self.refusal,
            depth: self.depth + 1,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Measure<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Measure<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.count()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.count()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.count()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.count()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.count()
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.count()
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.count()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while map.next_key_seed(inner)?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}
