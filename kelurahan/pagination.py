"""Paging for the long public lists (UMKM, wisata, news): a page reads its rows' ids first."""

from __future__ import annotations

from django.core.paginator import Paginator


class IdsFirstPaginator(Paginator):
    """Django's Paginator for a queryset whose order an index gives and whose order is total
    (the list pages: name and id, or publication time and id).

    The page's slice is asked for as ids only, in a subquery the database answers from that
    index, and whole rows (their joins, the cover photo subqueries) are read for those ids
    alone: Django's own page reads whole rows for every row it skips, so page 1,000 of a
    city's UMKM would join and annotate 12,000 rows to throw them away. Past the middle of the
    list, the same ids are counted from its end (the index walked from its other end), so the
    last page costs what the first does. Same rows, same order, same number of queries; the
    count is Django's (one COUNT, which the same index answers).
    """

    def _get_page(self, object_list, number, paginator):
        bottom, top = object_list.query.low_mark, object_list.query.high_mark
        if bottom > self.count // 2:
            page_rows = self.object_list.reverse()[self.count - top : self.count - bottom]
        else:
            page_rows = object_list
        page = self.object_list.filter(pk__in=page_rows.values("pk"))
        return super()._get_page(page, number, paginator)
