"""Renderers of the result: workbooks (xlsxwriter), JSON and the terminal summary. Only here is disk written."""
