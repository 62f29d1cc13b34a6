"""The Google Sheets backend: `store.GoogleSheetsStore` and the parts it is made of."""
