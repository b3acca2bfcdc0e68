"""Filters that print register numbers as offices print them: `{{ rt|rt_rw }}` → "003",
`{{ nip|nip }}` → "19800101 200501 1 001"."""

from django import template

from kelurahan.nip import nip_grouped, rt_rw_padded

register = template.Library()

register.filter("rt_rw", rt_rw_padded, is_safe=True)
register.filter("nip", nip_grouped, is_safe=True)
