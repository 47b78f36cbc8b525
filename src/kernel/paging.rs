//! Long lists shown a page at a time, with GOV.UK pagination links.

/// The first, last, current and neighbouring pages, with gaps between (GOV.UK pagination):
/// `None` stands for the pages left out.
pub fn page_links(page: usize, pages: usize) -> Vec<Option<usize>> {
    let mut links = Vec::new();
    for number in 1..=pages {
        if number == 1 || number == pages || number.abs_diff(page) <= 1 {
            links.push(Some(number));
        } else if links.last() != Some(&None) {
            links.push(None);
        }
    }
    links
}

/// How many pages `items` fill at `per_page` a page (at least one, so an empty list has a page).
pub fn page_count(items: usize, per_page: usize) -> usize {
    items.div_ceil(per_page.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_ends_and_neighbours_with_gaps_between() {
        assert_eq!(page_links(1, 1), vec![Some(1)]);
        assert_eq!(
            page_links(5, 9),
            vec![Some(1), None, Some(4), Some(5), Some(6), None, Some(9)]
        );
        assert_eq!(page_links(1, 3), vec![Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn an_empty_list_still_has_one_page() {
        assert_eq!(page_count(0, 50), 1);
        assert_eq!(page_count(50, 50), 1);
        assert_eq!(page_count(51, 50), 2);
    }
}
