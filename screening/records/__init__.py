"""What is stored about a screening: tables, database access and the repository."""
