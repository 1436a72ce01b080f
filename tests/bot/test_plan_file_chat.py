"""An official sends the plan appendix to the bot through the real Telegram channel: the
document is downloaded, the review comes back, the rows in doubt are fixed by answering,
and only the confirmation applies the plan."""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Any

from indicators.people import Role
from storage import Store
from tests.bot.fake_telegram import message_update
from tests.bot.telegram_session import Session, application
from tests.bot.test_telegram_questions import FilesApi
from tests.indicators.plan_import import appendices
from tests.indicators.plan_import.builders import write_docx

OFFICIAL, MEMBER = 717171, 727272
_files = count(1)


class DocumentsApi(FilesApi):
    """Also serves the documents people send: getFile, then the download itself."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, bytes] = {}

    def upload(self, content: bytes) -> dict[str, Any]:
        file_id = f"doc{next(_files)}"
        self.stored[file_id] = content
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(content)}

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if name in self.stored and method == "GET":
            return 200, self.stored[name]
        return await super().do_request(url, method, *args, **kwargs)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getFile":
            file_id = str(params["file_id"])
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                    "file_size": len(self.stored[file_id]), "file_path": f"documents/{file_id}"}  # fmt: skip
        return super()._result(method, params)


def document_update(user: int, api: DocumentsApi, path: Path, caption: str = "") -> dict[str, Any]:
    update = message_update(user, None)
    message = update["message"]
    del message["text"]
    message["document"] = {**api.upload(path.read_bytes()), "file_name": path.name}
    if caption:
        message["caption"] = caption
    return update


async def _official_of(store: Store, unit_name: str, level: str, chat: int) -> int:
    unit = (await store.units.by_name(unit_name, level=level))[0]
    person = await store.people.add_person("Cán bộ Sông Mã", Role.OFFICIAL, unit.id)
    await store.people.link_identity(person.id, "telegram", str(chat), chat_id=str(chat))
    return unit.id


async def test_the_plan_file_is_reviewed_fixed_in_the_chat_then_applied(
    store: Store, tmp_path: Path
) -> None:
    town = await _official_of(store, "Sông Mã", "thị trấn", OFFICIAL)
    file = write_docx(appendices.SONG_MA, tmp_path / "ke-hoach-song-ma.docx")
    api = DocumentsApi()
    async with application(store, api) as app:
        official = Session(app, api, OFFICIAL)
        [review] = await official.send(document_update(OFFICIAL, api, file))
        assert "15 chỉ tiêu trong 3 nhóm" in review
        assert "Dòng 13 (II.1): chưa đọc được chỉ tiêu 'Căn cứ hướng dẫn" in review
        assert "“2.1: ≥ 80%”" in review and official.labels() == ["Hủy"]
        assert await store.plans.get("thi-tran-song-ma-2024") is None

        # Confirming with rows in doubt applies nothing.
        [refused] = await official.say("xác nhận")
        assert refused.startswith("Chưa áp dụng: còn 3 dòng")
        [after] = await official.say("II.1: ≥ 10%")
        assert "Dòng 13 (II.1)" not in after and "Dòng 14 (II.2)" in after
        await official.say("dòng 14: 5%")
        [bad] = await official.say("9.9: 50%")
        assert bad.startswith("Không tìm thấy dòng 9.9")
        [clean] = await official.say("I.4: ≥ 80%")
        assert "Không còn gì vướng" in clean and official.labels() == ["Xác nhận", "Hủy"]
        assert await store.plans.get("thi-tran-song-ma-2024") is None  # nothing used yet

        [applied] = await official.press("Xác nhận")
        assert applied.startswith("Đã áp dụng: kế hoạch thi-tran-song-ma-2024 (phiên bản 1)")
        plan = await store.plans.get("thi-tran-song-ma-2024")
        assert plan is not None and town in await store.plans.units_of(plan.id)
        assert plan.indicator("II.1").target.describe() == "≥10%"
        assert await store.conversations.get("telegram", str(OFFICIAL)) is None

        # A member cannot send a plan; a file that is not a table says why.
        await store.people.link_identity(
            (await store.people.add_person("Tổ viên", Role.MEMBER, town)).id,
            "telegram", str(MEMBER), chat_id=str(MEMBER),
        )  # fmt: skip
        [member] = await Session(app, api, MEMBER).send(document_update(MEMBER, api, file))
        assert member == "Chỉ cán bộ xã mới gửi được tệp kế hoạch cho bot."
        junk = tmp_path / "anh.png"
        junk.write_bytes(b"\x89PNG not a table")
        [why] = await official.send(document_update(OFFICIAL, api, junk))
        assert "anh.png" in why and ".docx, .xlsx" in why
