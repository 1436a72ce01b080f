"""chitieu's own plan template: its columns, in order, and the example row.

The reader knows these headers by the same words it reads any appendix with, so a
filled template reads without doubts; tests hold the two together.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators.plan_import.header import Role


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    role: Role
    header: str
    example: str
    width: int


TEMPLATE_COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn(Role.GROUP, "Nhóm", "Xã hội số", 18),
    TemplateColumn(Role.CODE, "Mã", "3.1", 7),
    TemplateColumn(
        Role.NAME, "Tên chỉ tiêu", "Tỷ lệ hộ gia đình có đường Internet cáp quang băng rộng", 45
    ),
    TemplateColumn(Role.UNIT, "Đơn vị tính", "%", 10),
    TemplateColumn(Role.TARGET, "Chỉ tiêu (như in)", "≥80%", 14),
    TemplateColumn(Role.NUMERATOR, "Tử số", "Số hộ gia đình có đường Internet cáp quang", 30),
    TemplateColumn(Role.DENOMINATOR, "Mẫu số", "Tổng số hộ gia đình trên địa bàn", 30),
    TemplateColumn(Role.NOUN, "Danh từ đếm", "hộ gia đình", 14),
    TemplateColumn(Role.REPORTED_BY, "Cấp báo cáo", "thôn", 12),
    TemplateColumn(Role.LEAD, "Chủ trì", "Công chức Văn hóa - Xã hội", 22),
    TemplateColumn(Role.COORDINATING, "Phối hợp", "Trưởng thôn; Tổ công nghệ số cộng đồng", 24),
    TemplateColumn(Role.MONITORING, "Theo dõi", "Văn phòng - Thống kê", 20),
    TemplateColumn(Role.SCHEDULE, "Kỳ báo cáo", "Hằng quý, trước ngày 25 của tháng cuối quý", 30),
    TemplateColumn(Role.NOTE, "Ghi chú", "", 20),
)
