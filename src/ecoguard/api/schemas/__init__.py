"""Request and response schemas: Base / Create / Update / Public families per entity."""
