"""The cell store and the encoder cache: identities, records and the only code that reads or writes them."""
