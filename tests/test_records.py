import copy
import pickle

from auditor.records import Clue, Slot


def test_slots_and_clues_survive_the_trip_to_and_from_a_worker():
    slot = Slot("000.txt", "S0007", 120, 121, 5, 9, "×", "全市新增就业", "人，城镇登记失业率", "number",
                unit="人", rule="number-unit", recovered="1.2", recovered_confidence=0.95, recovered_evidence="001.txt",
                leak=True)
    clue = Clue("000.txt", 30, 33, 2, "轩岗镇", "admin", (1402, 1403), weight=2.5, rule="town name",
                level="town", elsewhere=True, short_form=False)
    for record in (slot, clue):
        back = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == record and back is not record
        assert copy.copy(record) == record
    assert pickle.loads(pickle.dumps(slot)).leak
