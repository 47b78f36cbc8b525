//! A select's choices in named groups, shown as `<optgroup>`s by the `fields::grouped_select`
//! macro (`kernel/templates/_fields.html`): a long list (organisations, their people) that works
//! without JavaScript, and that `assets/masa/masa.js` can make searchable
//! (`data-module="masa-autocomplete"`) or narrow to the group another field has chosen
//! (`keyed_by`).

/// One `<optgroup>`: its heading, a key scripts may know it by (an organisation's id; empty for
/// none), and its (value, label) choices in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceGroup {
    pub label: String,
    pub key: String,
    pub choices: Vec<(String, String)>,
}

/// The choices of one select: a few outside any group first (the "Select …" prompt), then the
/// groups in order. An empty group is never shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupedChoices {
    pub ungrouped: Vec<(String, String)>,
    pub groups: Vec<ChoiceGroup>,
    /// The id of another field whose value is the key of the one group worth showing: the
    /// script hides the other groups when that field changes (the server checks the pairing).
    pub keyed_by: Option<&'static str>,
}

impl GroupedChoices {
    /// No choices yet; `prompt`, when not empty, is the first option with an empty value.
    pub fn new(prompt: &str) -> GroupedChoices {
        let mut choices = GroupedChoices::default();
        if !prompt.is_empty() {
            choices.ungrouped.push((String::new(), prompt.to_owned()));
        }
        choices
    }

    /// Adds a group after the others, unless it has no choices.
    pub fn group(
        mut self,
        label: impl Into<String>,
        key: impl Into<String>,
        choices: Vec<(String, String)>,
    ) -> GroupedChoices {
        if !choices.is_empty() {
            self.groups.push(ChoiceGroup {
                label: label.into(),
                key: key.into(),
                choices,
            });
        }
        self
    }

    /// Marks the groups as keyed by the value of the field with this id.
    pub fn keyed_by(mut self, field: &'static str) -> GroupedChoices {
        self.keyed_by = Some(field);
        self
    }

    /// Every value offered, the prompt's empty one included.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.ungrouped
            .iter()
            .chain(self.groups.iter().flat_map(|group| group.choices.iter()))
            .map(|(value, _)| value.as_str())
    }

    pub fn len(&self) -> usize {
        self.values().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(value: &str, label: &str) -> (String, String) {
        (value.to_owned(), label.to_owned())
    }

    #[test]
    fn groups_keep_their_order_and_empty_ones_are_left_out() {
        let choices = GroupedChoices::new("Select an organisation")
            .group("Statutory partners", "", vec![pair("3", "Police")])
            .group("Schools", "", Vec::new())
            .group("Other", "", vec![pair("9", "Fire"), pair("8", "Housing")]);
        assert_eq!(choices.groups.len(), 2);
        assert_eq!(choices.groups[1].label, "Other");
        assert_eq!(choices.values().collect::<Vec<_>>(), ["", "3", "9", "8"]);
        assert_eq!(choices.len(), 4);
        assert!(GroupedChoices::new("").is_empty());
    }
}
