"""What a provider and a model are, as data: `providers.py` (the specs), `models.py`
(context windows and output limits), `pricing.py` (the price of a call, offline)."""
