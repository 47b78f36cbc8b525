import { initAll } from '/assets/govuk-frontend.min.js';
initAll();

// Long pick-lists, made easier where scripts run. Without them the pages work as they are: a
// <select> with its <optgroup>s, and the server checks every pairing.

// A list whose groups are keyed by another field's value (the owner of an action, grouped by
// organisation) shows only the group that field has chosen, or every group when it has none.
for (const select of document.querySelectorAll('select[data-keyed-by]')) {
  const source = document.getElementById(select.dataset.keyedBy);
  if (!source) continue;
  const groups = Array.from(select.querySelectorAll('optgroup'));
  const narrow = () => {
    const key = source.value;
    for (const group of groups) group.remove();
    for (const group of groups) {
      if (key === '' || group.dataset.key === key) select.appendChild(group);
    }
    // A choice hidden with its group is no longer chosen.
    if (!select.selectedOptions.length || !select.selectedOptions[0].isConnected) {
      select.value = '';
    }
  };
  source.addEventListener('change', narrow);
  narrow();
}

// A searchable list: GOV.UK's accessible autocomplete over the <select>, which stays in the
// form (hidden) and carries the value.
const searchable = document.querySelectorAll('select[data-module="masa-autocomplete"]');
if (searchable.length) enhance(searchable);

function load(tag, attributes) {
  return new Promise((resolve, reject) => {
    const element = document.createElement(tag);
    Object.assign(element, attributes);
    element.addEventListener('load', resolve);
    element.addEventListener('error', reject);
    document.head.appendChild(element);
  });
}

function escapeHtml(text) {
  const span = document.createElement('span');
  span.textContent = text;
  return span.innerHTML;
}

async function enhance(selects) {
  await Promise.all([
    load('link', { rel: 'stylesheet', href: '/assets/accessible-autocomplete.min.css' }),
    load('script', { src: '/assets/accessible-autocomplete.min.js' }),
  ]);
  for (const select of selects) {
    const id = select.id;
    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: '',
      showAllValues: true,
      // Names come from the database: shown as text, never as markup.
      templates: {
        inputValue: (value) => value || '',
        suggestion: (value) => escapeHtml(value || ''),
      },
      onConfirm: (label) => {
        if (label === undefined) {
          // Nothing chosen: an emptied box clears the choice; anything else keeps it.
          const input = document.getElementById(id);
          if (input && input.value.trim() === '') select.value = '';
        } else {
          const option = Array.from(select.options).find((o) => o.textContent === label);
          if (option) option.selected = true;
        }
        select.dispatchEvent(new Event('change'));
      },
    });
  }
}
