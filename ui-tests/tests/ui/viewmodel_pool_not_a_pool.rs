use playground_runtime::{Pool, model, view, viewmodel};

#[view]
pub trait Orders: Send + Sync {
    fn count(&self) -> usize;
}

#[model]
#[derive(Default)]
pub struct Order {
    amount: u64,
}

#[derive(Default)]
pub struct Shop {
    orders: Pool<Order>,
    /// A model, not a pool of it.
    last: Order,
}

#[viewmodel(pools(orders, last))]
impl Orders for Shop {
    fn count(&self) -> usize {
        let _ = self.last.amount;
        self.orders.len()
    }
}

fn main() {}
