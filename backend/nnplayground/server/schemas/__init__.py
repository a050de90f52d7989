"""Request and response schemas (pydantic), kept apart: requests validate, responses document."""
