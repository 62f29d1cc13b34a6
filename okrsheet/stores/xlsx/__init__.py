"""The local .xlsx backend: `store.XlsxStore` and the parts it is made of."""
