"""Working calendars, holidays and 调休, deadline arithmetic and traffic lights."""
