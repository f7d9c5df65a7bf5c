"""City staff: official responses, status changes and open-data evidence."""
