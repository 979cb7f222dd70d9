"""Alert rules on the warehouse (config/alert_rules.yml), their open/recovered state and delivery to owners."""
