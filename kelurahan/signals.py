"""Signals kelurahan sends, so the apps that build on it can add their part without kelurahan
importing them."""

from django.dispatch import Signal

# Sent by region_provision inside each city's transaction, with `kelurahan_ids`: the kelurahan
# just created. Receivers write their defaults for them (layanan: its letter types); a receiver
# that fails rolls the city back.
kelurahan_provisioned = Signal()
