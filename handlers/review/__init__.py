"""Review and lock of a period ("đúng – đủ – sạch – sống"), and a figure's history."""
